package groundup.cpu;

import groundup.backend.Checks;
import groundup.backend.ComposedReluPool;
import groundup.backend.Convolver;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Tensor;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_full;

/**
 * The CPU's convolution: image by image, never the whole column matrix. Why: im2col of a batch
 * is large (45 MB for DeepConvNet's conv2 at batch 100), and the oracle ({@code Im2colConvolver})
 * writes it, copies it into OpenBLAS's staging buffer, reads it in a thin GEMM, and in backward
 * writes and reads a second one; all of it from main memory. Here each worker takes a share of
 * the images, and per image:
 * <pre>
 * colT (C*kh*kw, OH*OW) = im2col of one image, transposed (a row per kernel tap)
 * y_i  (F, OH*OW)       = w (F, C*kh*kw) . colT + b        already the NCHW layout: no transpose
 * dw  += dy_i (F, OH*OW) . colT^T                           summed per worker, then over workers
 * dcolT (C*kh*kw, OH*OW) = w^T . dy_i, then col2im into dx_i
 * </pre>
 * colT is a few hundred KB at most for the book's networks, so it is written, copied to its
 * off-heap twin and read by single-threaded SGEMM while it is still in cache. Every buffer is
 * made with the convolver, once per geometry: a step allocates nothing.
 *
 * <p>`auto` runs it where oneDNN cannot load (as `gemm`, on request, anywhere): there it is
 * the CPU's fastest convolution without oneDNN, ahead of the im2col oracle. A pooling after it
 * runs as its parts ({@link ComposedReluPool}); a pooling kernel of its own lost to oneDNN even
 * so (docs/benchmarks.md, "Which convolution runs where").
 */
final class CpuConvolver implements Convolver {
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    private final CpuBackend backend;
    private final Parallel parallel;
    private final ConvGeometry g;
    private final int filters, ckk, spatial, parts;
    private final FloatPointer w;                       // (F, ckk), read by every worker through its own view
    private final FloatPointer[] wView, colT, out, dyi, dwPart, dcolT;
    private final float[][] colArr, dcolArr, dbPart, image;
    private final boolean[] touched;
    private final float[] dwHost;
    private final ComposedReluPool reluPool;

    CpuConvolver(CpuBackend backend, Parallel parallel, ConvGeometry g, int filters) {
        this.backend = backend;
        this.parallel = parallel;
        this.g = g;
        this.filters = filters;
        this.ckk = g.c() * g.kh() * g.kw();
        this.spatial = g.outH() * g.outW();
        this.parts = Math.min(parallel.threads(), g.n());
        this.w = new FloatPointer((long) filters * ckk);
        wView = new FloatPointer[parts];
        colT = new FloatPointer[parts];
        out = new FloatPointer[parts];
        dyi = new FloatPointer[parts];
        dwPart = new FloatPointer[parts];
        dcolT = new FloatPointer[parts];
        colArr = new float[parts][ckk * spatial];
        dcolArr = new float[parts][];
        dbPart = new float[parts][filters];
        image = new float[parts][filters * spatial];     // one image's masked dy per worker: 69 KB for SimpleConvNet
        touched = new boolean[parts];
        dwHost = new float[filters * ckk];
        for (int t = 0; t < parts; t++) {
            wView[t] = new FloatPointer(w);                 // a FloatPointer's position is not thread-safe
            colT[t] = new FloatPointer((long) ckk * spatial);
            out[t] = new FloatPointer((long) filters * spatial);
            dyi[t] = new FloatPointer((long) filters * spatial);
            dwPart[t] = new FloatPointer((long) filters * ckk);
        }
        reluPool = new ComposedReluPool(backend, this);
    }

    @Override public ConvGeometry geometry() { return g; }

    @Override public int filters() { return filters; }

    private float[] a(Tensor t, String op) { return ((CpuMemory) t.handle(backend, op)).array(); }

    @Override public void forward(Tensor tx, Tensor tw, Tensor tb, Tensor ty) {
        Checks.convolution(backend, g, filters, tx, tw, tb, ty);
        forward(tx, tw, tb, a(ty, "convolution"), false);
    }

    /** The ReLU joins the bias, on image i's output while it is still in cache. */
    @Override public void forwardRelu(Tensor tx, Tensor tw, Tensor tb, Tensor ty) {
        Checks.convolution(backend, g, filters, tx, tw, tb, ty);
        forward(tx, tw, tb, a(ty, "convolution"), true);
    }

    @Override public void forwardReluPool(Tensor tx, Tensor tw, Tensor tb, ConvGeometry pool, Tensor typ, Tensor targ) {
        reluPool.forward(tx, tw, tb, pool, typ, targ);
    }

    /** y = conv(x, w) + b, and max(y, 0) where relu: the ReLU joins the bias on image i's output while it is in cache. */
    private void forward(Tensor tx, Tensor tw, Tensor tb, float[] y, boolean relu) {
        float[] x = a(tx, "convolution"), wv = a(tw, "convolution"), bias = a(tb, "convolution");
        w.position(0).put(wv, 0, filters * ckk);
        int n = g.n(), per = filters * spatial;
        parallel.forRange(parts, 1, (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                for (int i = n * t / parts; i < n * (t + 1) / parts; i++) {
                    im2colT(x, i, colArr[t]);
                    colT[t].position(0).put(colArr[t], 0, ckk * spatial);
                    openblas_full.cblas_sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, filters, spatial, ckk, 1f, wView[t].position(0), ckk,
                            colT[t].position(0), spatial, 0f, out[t].position(0), spatial);
                    int at = i * per;
                    out[t].position(0).get(y, at, per);
                    for (int f = 0; f < filters; f++) {
                        float bf = bias[f];
                        int j = at + f * spatial, end = j + spatial;
                        if (relu) {
                            for (; j < end; j++) y[j] = Math.max(y[j] + bf, 0f);     // as CpuBackend's ReLU: NaN kept
                        } else {
                            for (; j < end; j++) y[j] += bf;
                        }
                    }
                }
            }
        });
    }

    @Override public void backward(Tensor tx, Tensor tw, Tensor tdy, Tensor tdw, Tensor tdb, Tensor tdx) {
        Checks.convolutionBackward(backend, g, filters, tx, tw, tdy, tdw, tdb, tdx);
        backward(tx, tw, a(tdy, "convolution"), null, tdw, tdb, tdx);
    }

    /** Image i's dy is masked as it is copied for the GEMMs: the ReLU's backward costs no pass of its own. */
    @Override public void backwardRelu(Tensor tx, Tensor tw, Tensor ty, Tensor tdy, Tensor tdw, Tensor tdb, Tensor tdx) {
        Checks.convolutionBackward(backend, g, filters, tx, tw, tdy, tdw, tdb, tdx);
        Checks.elementwise(backend, "convolution backwardRelu (y, dy)", ty, tdy);
        backward(tx, tw, a(tdy, "convolution"), a(ty, "convolution"), tdw, tdb, tdx);
    }

    @Override public void backwardReluPool(Tensor tx, Tensor tw, ConvGeometry pool, Tensor typ, Tensor targ, Tensor tdyp,
                                           Tensor tdw, Tensor tdb, Tensor tdx) {
        reluPool.backward(tx, tw, pool, typ, targ, tdyp, tdw, tdb, tdx);
    }

    /** dyAll is dy (y null), or dy to be masked where y is positive (the ReLU's backward). */
    private void backward(Tensor tx, Tensor tw, float[] dyAll, float[] y, Tensor tdw, Tensor tdb, Tensor tdx) {
        float[] x = a(tx, "convolution"), wv = a(tw, "convolution");
        float[] dw = a(tdw, "convolution"), db = a(tdb, "convolution"), dx = tdx == null ? null : a(tdx, "convolution");
        w.position(0).put(wv, 0, filters * ckk);
        int n = g.n(), per = filters * spatial;
        parallel.forRange(parts, 1, (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                java.util.Arrays.fill(dbPart[t], 0f);
                touched[t] = false;
                if (dx != null && dcolT[t] == null) {      // only where dx is wanted: not for a first layer
                    dcolT[t] = new FloatPointer((long) ckk * spatial);
                    dcolArr[t] = new float[ckk * spatial];
                }
                for (int i = n * t / parts; i < n * (t + 1) / parts; i++) {
                    im2colT(x, i, colArr[t]);
                    colT[t].position(0).put(colArr[t], 0, ckk * spatial);
                    // dy: image i of dy, at offset i*per; masked, image i alone in this worker's image array at 0
                    float[] dy = dyAll;
                    int at = i * per;
                    if (y != null) {
                        dy = image[t];
                        reluMask(y, dyAll, at, dy, per);
                        at = 0;
                    }
                    dyi[t].position(0).put(dy, at, per);
                    // dw (F, ckk) += dy_i (F, S) . colT^T (S, ckk); the first image of a worker overwrites
                    openblas_full.cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, filters, ckk, spatial, 1f, dyi[t].position(0), spatial,
                            colT[t].position(0), spatial, touched[t] ? 1f : 0f, dwPart[t].position(0), ckk);
                    touched[t] = true;
                    float[] dbt = dbPart[t];
                    for (int f = 0; f < filters; f++) {
                        float s = 0;
                        for (int j = at + f * spatial, end = j + spatial; j < end; j++) s += dy[j];
                        dbt[f] += s;
                    }
                    if (dx == null) continue;
                    // dcolT (ckk, S) = w^T (ckk, F) . dy_i (F, S), then scattered back onto image i
                    openblas_full.cblas_sgemm(ROW_MAJOR, TRANS, NO_TRANS, ckk, spatial, filters, 1f, wView[t].position(0), ckk,
                            dyi[t].position(0), spatial, 0f, dcolT[t].position(0), spatial);
                    dcolT[t].position(0).get(dcolArr[t], 0, ckk * spatial);
                    col2imT(dcolArr[t], i, dx);
                }
            }
        });
        // the workers' sums, in worker order: the same result for the same thread count
        java.util.Arrays.fill(dw, 0f);
        java.util.Arrays.fill(db, 0f);
        for (int t = 0; t < parts; t++) {
            if (!touched[t]) continue;
            dwPart[t].position(0).get(dwHost, 0, filters * ckk);
            for (int j = 0; j < dwHost.length; j++) dw[j] += dwHost[j];
            for (int f = 0; f < filters; f++) db[f] += dbPart[t][f];
        }
    }

    /**
     * out[0, len) = dy[at, at+len) where y[at, at+len) is positive, else +0: ReLU's backward,
     * the same bits as CpuBackend's ({@link ReluGradient}).
     */
    private static void reluMask(float[] y, float[] dy, int at, float[] out, int len) {
        for (int j = 0; j < len; j++) out[j] = ReluGradient.of(dy[at + j], y[at + j]);
    }

    /** Image i of x as (C*kh*kw, OH*OW): row (c, ky, kx) holds that tap's input under every output position, 0 in the padding. */
    private void im2colT(float[] x, int i, float[] col) {
        int c = g.c(), h = g.h(), wd = g.w(), kh = g.kh(), kw = g.kw(), s = g.stride(), p = g.pad(), oh = g.outH(), ow = g.outW();
        int img = i * c * h * wd;
        int r = 0;
        for (int ch = 0; ch < c; ch++) {
            int plane = img + ch * h * wd;
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++, r++) {
                    // the output columns whose input column ox*s + kx - p lies inside the image: [lo, hi)
                    int lo = Math.min(ow, Math.max(0, ceilDiv(p - kx, s))), hi = Math.max(lo, Math.min(ow, ceilDiv(wd + p - kx, s)));
                    int row = r * spatial;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * s + ky - p, o = row + oy * ow;
                        if (iy < 0 || iy >= h) {
                            java.util.Arrays.fill(col, o, o + ow, 0f);
                            continue;
                        }
                        if (lo > 0) java.util.Arrays.fill(col, o, o + lo, 0f);
                        int src = plane + iy * wd + lo * s + kx - p;
                        if (s == 1) {
                            System.arraycopy(x, src, col, o + lo, hi - lo);     // a contiguous run of the input row
                        } else {
                            for (int ox = lo; ox < hi; ox++, src += s) col[o + ox] = x[src];
                        }
                        if (hi < ow) java.util.Arrays.fill(col, o + hi, o + ow, 0f);
                    }
                }
            }
        }
    }

    /** The adjoint of {@link #im2colT}: image i of dx = the sum of each tap's row at the pixels it read. */
    private void col2imT(float[] col, int i, float[] dx) {
        int c = g.c(), h = g.h(), wd = g.w(), kh = g.kh(), kw = g.kw(), s = g.stride(), p = g.pad(), oh = g.outH(), ow = g.outW();
        int img = i * c * h * wd;
        java.util.Arrays.fill(dx, img, img + c * h * wd, 0f);
        int r = 0;
        for (int ch = 0; ch < c; ch++) {
            int plane = img + ch * h * wd;
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++, r++) {
                    int lo = Math.min(ow, Math.max(0, ceilDiv(p - kx, s))), hi = Math.max(lo, Math.min(ow, ceilDiv(wd + p - kx, s)));
                    int row = r * spatial;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * s + ky - p;
                        if (iy < 0 || iy >= h) continue;
                        int dst = plane + iy * wd + lo * s + kx - p, o = row + oy * ow;
                        for (int ox = lo; ox < hi; ox++, dst += s) dx[dst] += col[o + ox];
                    }
                }
            }
        }
    }

    /** ceil(a / b) for b > 0, any sign of a. */
    private static int ceilDiv(int a, int b) { return -Math.floorDiv(-a, b); }

    @Override public void close() {
        reluPool.close();
        w.close();
        for (int t = 0; t < parts; t++) {
            colT[t].close();
            out[t].close();
            dyi[t].close();
            dwPart[t].close();
            if (dcolT[t] != null) dcolT[t].close();
        }
    }
}
