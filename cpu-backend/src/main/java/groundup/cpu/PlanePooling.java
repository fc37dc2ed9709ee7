package groundup.cpu;

import groundup.tensor.ConvGeometry;

/**
 * Max pooling of one (h, w) plane at a time, in scalar Java over arrays: the CPU backend's
 * maxPool and maxPoolBackward run it on every plane; the SGEMM convolver's fused pooling on one
 * image's output while it is in cache; {@link BlockedPooling} on oneDNN's blocked output where
 * its vector kernels do not apply. The vector kernels ({@link VectorPooling}) give the same
 * floats and winners (BlockedPoolingTest holds them to it).
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

    /**
     * The book's pooling (2x2 windows, stride 2, no padding) of one (h, w) plane of a ReLU's
     * output, x[in...] to y[out...] and arg[out...], as {@link #maxPool} gives it.
     * Why a kernel of its own: a ReLU's output is +0, positive or NaN, and such floats order
     * as their bits do once the sign is cleared (a NaN, of either sign, above every number), so
     * the window's comparisons run on ints: compares and conditional moves, where Math.max on
     * floats is a longer sequence (SimpleConvNet's pool on one Xeon vCPU, a throwaway harness:
     * 6.0 against 8.2 ms; its fused forward 6.0 against 6.3 ms on two; its train step 2-3%). The
     * winner is the first tap whose bits equal the max, from 0/1 flags: no select between taps,
     * which the JIT compiled to jumps that mispredict on real data (the same harness: 3.1 against
     * 5.9 ms). Ties go to the first in row-major order, a NaN wins; the value is the winning
     * element itself.
     */
    static void maxPool2x2OfRelu(float[] x, int in, float[] y, float[] arg, int out, int h, int w) {
        int oh = h / 2, ow = w / 2;
        for (int oy = 0; oy < oh; oy++) {
            int r0 = in + 2 * oy * w, r1 = r0 + w, o = out + oy * ow;
            for (int ox = 0; ox < ow; ox++) {
                int i0 = r0 + 2 * ox, i1 = r1 + 2 * ox;
                int b0 = Float.floatToRawIntBits(x[i0]) & 0x7fffffff, b1 = Float.floatToRawIntBits(x[i0 + 1]) & 0x7fffffff;
                int b2 = Float.floatToRawIntBits(x[i1]) & 0x7fffffff, b3 = Float.floatToRawIntBits(x[i1 + 1]) & 0x7fffffff;
                int max = Math.max(Math.max(b0, b1), Math.max(b2, b3));
                int n0 = b0 != max ? 1 : 0, n1 = b1 != max ? 1 : 0, n2 = b2 != max ? 1 : 0;
                int k = n0 * (1 + n1 * (1 + n2));                           // the first tap whose bits are the max
                y[o + ox] = x[i0 + (k >> 1) * w + (k & 1)];
                if (arg != null) arg[o + ox] = k;                        // null: not kept (the JIT unswitches the loop)
            }
        }
    }
}
