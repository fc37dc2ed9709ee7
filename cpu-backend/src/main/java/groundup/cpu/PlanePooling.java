package groundup.cpu;

import groundup.tensor.ConvGeometry;

/**
 * Max pooling of one (h, w) plane at a time, in scalar Java over arrays, any window: the CPU
 * backend's maxPool and maxPoolBackward run it on every plane (the unfused pooling, and the
 * SGEMM convolver's pooling, composed), {@link BlockedPooling} on oneDNN's blocked output for
 * windows other than the book's 2x2. {@link BlockedPooling}'s 2x2 kernels, scalar and
 * {@link VectorPooling}'s, give the same floats and winners (BlockedPoolingTest holds them to it).
 */
final class PlanePooling {
    private PlanePooling() {}

    /** The book's pooling: 2x2 windows, stride 2, no padding; the case the fast kernels (here, {@link BlockedPooling}'s) take. */
    static boolean isBook2x2(ConvGeometry pool) {
        return pool.kh() == 2 && pool.kw() == 2 && pool.stride() == 2 && pool.pad() == 0;
    }

    /**
     * Max pooling of one (h, w) plane of g, x[in...] to y[out...] and arg[out...]. The window's
     * rows and columns inside the image are worked out once per output, so the inner loop has
     * no bounds tests. Ties go to the first element in row-major order (as the reference); a
     * NaN wins and ends the window, so that it propagates instead of hiding. A window wholly in
     * the padding gives -inf and index -1.
     */
    static void maxPool(float[] x, int in, float[] y, float[] arg, int out, ConvGeometry g) {
        int oh = g.outH(), ow = g.outW(), h = g.h(), w = g.w(), kh = g.kh(), kw = g.kw(), s = g.stride(), p = g.pad();
        for (int oy = 0; oy < oh; oy++) {
            int iy0 = oy * s - p, ky0 = Math.max(0, -iy0), ky1 = Math.min(kh, h - iy0);
            for (int ox = 0; ox < ow; ox++) {
                int ix0 = ox * s - p, kx0 = Math.max(0, -ix0), kx1 = Math.min(kw, w - ix0), o = out + oy * ow + ox;
                if (ky0 >= ky1 || kx0 >= kx1) {
                    y[o] = Float.NEGATIVE_INFINITY;
                    arg[o] = -1;
                    continue;
                }
                int base = in + iy0 * w + ix0;
                if (kh == 2 && kw == 2 && ky0 == 0 && ky1 == 2 && kx0 == 0 && kx1 == 2) {
                    // the books' 2x2 window, wholly inside. On real data every comparison is a coin
                    // toss, and a branch per comparison mispredicts half the time (7 ms against 1.7 ms
                    // for SimpleConvNet's pool on one core), so: Math.max (an instruction, NaN
                    // propagating), then the first element equal to the max from 0/1 flags, which the
                    // JIT turns into flag moves, not jumps. A NaN takes the general path below.
                    float a0 = x[base], a1 = x[base + 1], a2 = x[base + w], a3 = x[base + w + 1];
                    float m = Math.max(Math.max(a0, a1), Math.max(a2, a3));
                    if (m == m) {
                        int n0 = a0 != m ? 1 : 0, n1 = a1 != m ? 1 : 0, n2 = a2 != m ? 1 : 0;
                        int k = n0 * (1 + n1 * (1 + n2));           // first index whose value equals the max
                        y[o] = x[base + (k >> 1) * w + (k & 1)];     // that element itself: -0.0 stays -0.0
                        arg[o] = k;
                        continue;
                    }
                }
                float best = x[base + ky0 * w + kx0];
                int bestK = ky0 * kw + kx0;
                search:
                if (best == best) {                     // not NaN
                    for (int ky = ky0; ky < ky1; ky++) {
                        int row = base + ky * w;
                        for (int kx = ky == ky0 ? kx0 + 1 : kx0; kx < kx1; kx++) {
                            float v = x[row + kx];
                            if (v > best) {
                                best = v;
                                bestK = ky * kw + kx;
                            } else if (v != v) {
                                best = v;
                                bestK = ky * kw + kx;
                                break search;
                            }
                        }
                    }
                }
                y[o] = best;
                arg[o] = bestK;
            }
        }
    }

    /**
     * Adds each dy[out...] of one pooled plane of g at its window's winner in dx[in...] (which
     * the caller has zeroed). With yp: only where yp, the pooled ReLU output, is positive (the
     * ReLU's backward, as CpuBackend's activationBackward masks it).
     */
    static void unpool(float[] dy, float[] yp, float[] arg, int out, ConvGeometry g, float[] dx, int in) {
        int oh = g.outH(), ow = g.outW(), w = g.w(), kw = g.kw(), s = g.stride(), p = g.pad();
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int o = out + oy * ow + ox, k = (int) arg[o];
                int iy = oy * s - p + k / kw, ix = ox * s - p + k % kw;
                float d = yp == null ? dy[o] : ReluGradient.of(dy[o], yp[o]);
                dx[in + iy * w + ix] += d;
            }
        }
    }
}
