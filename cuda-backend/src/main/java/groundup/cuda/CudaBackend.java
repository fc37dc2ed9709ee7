package groundup.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import groundup.backend.Activation;
import groundup.backend.Backend;
import groundup.backend.Checks;
import groundup.backend.DeviceOutOfMemoryException;
import groundup.backend.UpdateRule;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasStatus;
import jcuda.runtime.cudaStream_t;

/**
 * The CUDA backend: tensors live in device memory; GEMM goes to cuBLAS; every other op is one
 * of our kernels (src/main/cuda/kernels.cu, shipped as PTX). One primary context and one
 * stream, shared by cuBLAS and the kernels; ops are queued on the stream and only
 * {@link #download}, {@link #dot} and {@link #synchronize} wait. Uploads go through a pinned
 * staging buffer. Every status code goes through {@link #check}. One instance is meant for one
 * thread at a time; any thread may use it (the context is made current on demand).
 *
 * <p>{@code groundup.cuda.tf32=true} lets cuBLAS use TF32 tensor cores (faster, about 1e-3
 * relative error); off by default so that results match the CPU backend.
 */
public final class CudaBackend implements Backend {
    private static final int BLOCK = 256, MAX_BLOCKS = 1 << 20;
    private static final ThreadLocal<CUcontext> CURRENT = new ThreadLocal<>();

    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private final CUmodule module = new CUmodule();
    private final cublasHandle blas = new cublasHandle();
    private final Map<String, CUfunction> kernels = new HashMap<>();
    private final CUevent stagingFree = new CUevent();
    private final String deviceName;
    private final boolean tf32;
    private Pointer staging = new Pointer();       // pinned host memory
    private long stagingBytes;
    private ByteBuffer stagingBuffer;
    private CUdeviceptr scratch = new CUdeviceptr();   // doubles for reductions
    private long scratchBytes;
    private boolean closed;

    CudaBackend() {
        CudaDevice.Info info = CudaDevice.probe();
        this.deviceName = info.toString();
        this.tf32 = Boolean.getBoolean("groundup.cuda.tf32");
        check(cuInit(0), "cuInit");
        check(cuDeviceGet(device, 0), "cuDeviceGet");
        check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        current();
        check(cuStreamCreate(stream, 0), "cuStreamCreate");
        check(cuEventCreate(stagingFree, 0), "cuEventCreate");
        check(cuModuleLoadData(module, ptx()), "cuModuleLoadData (kernels.ptx)");
        blasCheck(JCublas2.cublasCreate(blas), "cublasCreate");
        blasCheck(JCublas2.cublasSetStream(blas, new cudaStream_t(stream)), "cublasSetStream");
        blasCheck(JCublas2.cublasSetMathMode(blas, tf32 ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH : cublasMath.CUBLAS_DEFAULT_MATH),
                "cublasSetMathMode");
        check(cuEventRecord(stagingFree, stream), "cuEventRecord");
    }

    private static byte[] ptx() {
        try (InputStream in = CudaBackend.class.getResourceAsStream("/groundup/cuda/kernels.ptx")) {
            if (in == null) throw new IllegalStateException("kernels.ptx is missing from the cuda-backend jar");
            byte[] text = in.readAllBytes();
            return java.util.Arrays.copyOf(text, text.length + 1);     // NUL-terminated for the driver
        } catch (IOException e) {
            throw new IllegalStateException("cannot read kernels.ptx: " + e.getMessage(), e);
        }
    }

    @Override public String name() { return "cuda"; }

    @Override public String describe() { return "cuda: " + deviceName + (tf32 ? ", TF32 GEMM" : ", FP32 GEMM"); }

    // ---- plumbing -----------------------------------------------------------------

    /** Makes the context current on the calling thread (contexts are per thread: JMH, test runners). */
    private void current() {
        if (closed) throw new IllegalStateException("the CUDA backend was closed");
        if (CURRENT.get() != context) {
            check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
            CURRENT.set(context);
        }
    }

    /** Every CUDA driver status goes through here. */
    static void check(int result, String what) {
        if (result != CUresult.CUDA_SUCCESS) throw new IllegalStateException("CUDA " + what + " failed: " + CUresult.stringFor(result));
    }

    private static void blasCheck(int status, String what) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) throw new IllegalStateException("cuBLAS " + what + " failed: " + cublasStatus.stringFor(status));
    }

    private CUdeviceptr ptr(Tensor t, String op) { return (CUdeviceptr) t.handle(this, op); }

    private Pointer p(Tensor t, String op) { return Pointer.to(ptr(t, op)); }

    private static Pointer i(int v) { return Pointer.to(new int[] {v}); }

    private static Pointer l(long v) { return Pointer.to(new long[] {v}); }

    private static Pointer f(float v) { return Pointer.to(new float[] {v}); }

    private CUfunction kernel(String name) {
        CUfunction fn = kernels.get(name);
        if (fn == null) {
            fn = new CUfunction();
            check(cuModuleGetFunction(fn, module, name), "cuModuleGetFunction(" + name + ")");
            kernels.put(name, fn);
        }
        return fn;
    }

    /** Launches a grid-stride kernel over n elements. */
    private void launch(String name, long n, String op, Pointer... args) {
        if (n <= 0) return;
        int blocks = (int) Math.min((n + BLOCK - 1) / BLOCK, MAX_BLOCKS);
        launchGrid(name, blocks, 1, op, args);
    }

    private void launchGrid(String name, int gx, int gy, String op, Pointer... args) {
        int r = cuLaunchKernel(kernel(name), gx, gy, 1, BLOCK, 1, 1, 0, stream, Pointer.to(args), null);
        if (r != CUresult.CUDA_SUCCESS) throw new IllegalStateException(op + ": launching " + name + " failed: " + CUresult.stringFor(r));
    }

    private CUdeviceptr scratch(long bytes) {
        if (scratchBytes < bytes) {
            if (scratchBytes > 0) {
                check(cuStreamSynchronize(stream), "cuStreamSynchronize");
                check(cuMemFree(scratch), "cuMemFree");
            }
            scratch = new CUdeviceptr();
            alloc(scratch, bytes);
            scratchBytes = bytes;
        }
        return scratch;
    }

    private void alloc(CUdeviceptr p, long bytes) {
        int r = cuMemAlloc(p, bytes);
        if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            long[] free = new long[1], total = new long[1];
            cuMemGetInfo(free, total);
            throw new DeviceOutOfMemoryException("cuda " + deviceName, bytes, free[0], total[0]);
        }
        check(r, "cuMemAlloc(" + bytes + " bytes)");
    }

    /** Pinned host staging of at least bytes; waits until the device has finished reading the last upload. */
    private ByteBuffer staging(long bytes) {
        check(cuEventSynchronize(stagingFree), "cuEventSynchronize");
        if (stagingBytes < bytes) {
            if (stagingBytes > 0) check(cuMemFreeHost(staging), "cuMemFreeHost");
            long size = Math.max(bytes, Math.max(1 << 20, stagingBytes * 3 / 2));
            staging = new Pointer();
            check(cuMemAllocHost(staging, size), "cuMemAllocHost(" + size + " bytes)");
            stagingBytes = size;
            stagingBuffer = staging.getByteBuffer(0, size).order(ByteOrder.nativeOrder());
        }
        return stagingBuffer;
    }

    // ---- memory -------------------------------------------------------------------

    @Override public Tensor allocate(Shape shape) {
        current();
        long bytes = (long) shape.size() * Sizeof.FLOAT;
        CUdeviceptr p = new CUdeviceptr();
        alloc(p, bytes);
        Tensor t = Tensor.wrap(this, shape, p, () -> {
            if (!closed) {
                current();
                check(cuMemFree(p), "cuMemFree");
            }
        });
        launch("fill_f32", shape.size(), "allocate", Pointer.to(p), l(shape.size()), f(0f));
        return t;
    }

    @Override public void upload(float[] src, int offset, Tensor dst) {
        Checks.upload(this, src, offset, dst);
        current();
        long bytes = (long) dst.size() * Sizeof.FLOAT;
        ByteBuffer buf = staging(bytes);
        buf.clear();
        buf.asFloatBuffer().put(src, offset, dst.size());
        check(cuMemcpyHtoDAsync(ptr(dst, "upload"), staging, bytes, stream), "upload of " + dst.shape());
        check(cuEventRecord(stagingFree, stream), "cuEventRecord");
    }

    @Override public void download(Tensor src, float[] dst, int offset) {
        Checks.download(this, src, dst, offset);
        current();
        long bytes = (long) src.size() * Sizeof.FLOAT;
        ByteBuffer buf = staging(bytes);
        check(cuMemcpyDtoHAsync(staging, ptr(src, "download"), bytes, stream), "download of " + src.shape());
        check(cuStreamSynchronize(stream), "download of " + src.shape());
        check(cuEventRecord(stagingFree, stream), "cuEventRecord");
        buf.clear();
        buf.asFloatBuffer().get(dst, offset, src.size());
    }

    @Override public void fill(Tensor t, float value) {
        Checks.owned(this, "fill", t);
        current();
        launch("fill_f32", t.size(), "fill " + t.shape(), p(t, "fill"), l(t.size()), f(value));
    }

    @Override public void copy(Tensor src, Tensor dst) {
        Checks.elementwise(this, "copy", src, dst);
        current();
        check(cuMemcpyDtoDAsync(ptr(dst, "copy"), ptr(src, "copy"), (long) src.size() * Sizeof.FLOAT, stream), "copy " + src.shape());
    }

    // ---- linear algebra ------------------------------------------------------------

    /**
     * Row-major on column-major cuBLAS: a row-major (r, c) matrix is the column-major (c, r)
     * matrix, its transpose. So C = op(A) op(B) in row-major is C^T = op(B)^T op(A)^T in
     * column-major: swap the operands, keep each one's transpose flag, and pass n, m, k.
     */
    @Override public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        Checks.gemm(this, transA, transB, a, b, c);
        current();
        int m = c.shape().rows(), n = c.shape().cols(), k = transA ? a.shape().rows() : a.shape().cols();
        int r = JCublas2.cublasSgemm(blas, transB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N, n, m, k, f(alpha),
                ptr(b, "gemm"), b.shape().cols(), ptr(a, "gemm"), a.shape().cols(), f(beta), ptr(c, "gemm"), n);
        if (r != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new IllegalStateException("gemm: cublasSgemm failed with " + cublasStatus.stringFor(r) + " for a " + a.shape()
                    + (transA ? "^T" : "") + ", b " + b.shape() + (transB ? "^T" : "") + ", c " + c.shape());
        }
    }

    @Override public void batchedTranspose(Tensor x, int batch, int rows, int cols, Tensor y) {
        Checks.batchedTranspose(this, x, batch, rows, cols, y);
        current();
        launch("batched_transpose", x.size(), "batchedTranspose " + x.shape(), p(x, "t"), p(y, "t"), i(batch), i(rows), i(cols));
    }

    // ---- convolution ---------------------------------------------------------------

    private Pointer[] geometry(ConvGeometry g) {
        return new Pointer[] {i(g.n()), i(g.c()), i(g.h()), i(g.w()), i(g.kh()), i(g.kw()), i(g.stride()), i(g.pad()), i(g.outH()), i(g.outW())};
    }

    private static Pointer[] concat(Pointer[] a, Pointer... b) {
        Pointer[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override public void im2col(Tensor x, ConvGeometry g, Tensor col) {
        Checks.im2col(this, x, g, col);
        current();
        launch("im2col", col.size(), "im2col " + g, concat(new Pointer[] {p(x, "im2col"), p(col, "im2col")}, geometry(g)));
    }

    @Override public void col2im(Tensor col, ConvGeometry g, Tensor dx) {
        Checks.col2im(this, col, g, dx);
        current();
        launch("col2im", dx.size(), "col2im " + g, concat(new Pointer[] {p(col, "col2im"), p(dx, "col2im")}, geometry(g)));
    }

    @Override public void maxPool(Tensor x, ConvGeometry g, Tensor y, Tensor argmax) {
        Checks.maxPool(this, x, g, y, argmax);
        current();
        launch("max_pool_fwd", y.size(), "maxPool " + g,
                concat(new Pointer[] {p(x, "maxPool"), p(y, "maxPool"), p(argmax, "maxPool")}, geometry(g)));
    }

    @Override public void maxPoolBackward(Tensor dy, Tensor argmax, ConvGeometry g, Tensor dx) {
        Checks.maxPoolBackward(this, dy, argmax, g, dx);
        current();
        launch("fill_f32", dx.size(), "maxPoolBackward", p(dx, "maxPoolBackward"), l(dx.size()), f(0f));
        launch("max_pool_bwd", dy.size(), "maxPoolBackward " + g, p(dy, "maxPoolBackward"), p(argmax, "maxPoolBackward"),
                p(dx, "maxPoolBackward"), i(g.n()), i(g.c()), i(g.h()), i(g.w()), i(g.kw()), i(g.stride()), i(g.pad()), i(g.outH()), i(g.outW()));
    }

    // ---- elementwise -------------------------------------------------------------

    @Override public void activation(Activation fn, Tensor x, Tensor y) {
        Checks.elementwise(this, "activation(" + fn + ")", x, y);
        current();
        launch(fn == Activation.RELU ? "relu_fwd" : "sigmoid_fwd", x.size(), "activation " + x.shape(), p(x, "a"), p(y, "a"), l(x.size()));
    }

    @Override public void activationBackward(Activation fn, Tensor saved, Tensor dy, Tensor dx) {
        Checks.elementwise(this, "activationBackward(" + fn + ")", saved, dy, dx);
        current();
        launch(fn == Activation.RELU ? "relu_bwd" : "sigmoid_bwd", dx.size(), "activationBackward " + dx.shape(),
                p(saved, "a"), p(dy, "a"), p(dx, "a"), l(dx.size()));
    }

    @Override public void add(Tensor a, Tensor b, Tensor out) {
        Checks.elementwise(this, "add", a, b, out);
        current();
        launch("add_f32", out.size(), "add " + out.shape(), p(a, "add"), p(b, "add"), p(out, "add"), l(out.size()));
    }

    @Override public void mul(Tensor a, Tensor b, Tensor out) {
        Checks.elementwise(this, "mul", a, b, out);
        current();
        launch("mul_f32", out.size(), "mul " + out.shape(), p(a, "mul"), p(b, "mul"), p(out, "mul"), l(out.size()));
    }

    @Override public void scale(float alpha, Tensor x, Tensor out) {
        Checks.elementwise(this, "scale", x, out);
        current();
        launch("scale_f32", out.size(), "scale " + out.shape(), f(alpha), p(x, "scale"), p(out, "scale"), l(out.size()));
    }

    @Override public void axpy(float alpha, Tensor x, Tensor y) {
        Checks.elementwise(this, "axpy", x, y);
        current();
        launch("axpy_f32", y.size(), "axpy " + y.shape(), f(alpha), p(x, "axpy"), p(y, "axpy"), l(y.size()));
    }

    @Override public void addRowVector(Tensor x, Tensor v, Tensor out) {
        Checks.rowVector(this, "addRowVector", x, v, out);
        current();
        launch("add_row_vector", out.size(), "addRowVector " + x.shape(), p(x, "arv"), p(v, "arv"), p(out, "arv"), l(out.size()),
                i(v.size()));
    }

    // ---- reductions ----------------------------------------------------------------

    @Override public void sumRows(Tensor x, Tensor out) {
        Checks.sumRows(this, x, out);
        current();
        int rows = x.shape().rows(), cols = out.size();
        int rowsPer = Math.max(1, (rows + 1023) / 1024), chunks = (rows + rowsPer - 1) / rowsPer;
        CUdeviceptr part = scratch((long) chunks * cols * Sizeof.DOUBLE);
        launchGrid("sum_rows_partial", (cols + BLOCK - 1) / BLOCK, chunks, "sumRows " + x.shape(),
                p(x, "sumRows"), Pointer.to(part), i(rows), i(cols), i(rowsPer));
        launch("sum_rows_final", cols, "sumRows " + x.shape(), Pointer.to(part), p(out, "sumRows"), i(chunks), i(cols));
    }

    @Override public void argmaxRows(Tensor x, Tensor out) {
        Checks.argmaxRows(this, x, out);
        current();
        launch("argmax_rows", out.size(), "argmaxRows " + x.shape(), p(x, "argmax"), p(out, "argmax"), i(x.shape().rows()),
                i(x.shape().cols()));
    }

    @Override public double dot(Tensor a, Tensor b) {
        Checks.elementwise(this, "dot", a, b);
        current();
        int blocks = (int) Math.max(1, Math.min((a.size() + BLOCK - 1) / BLOCK, 1024));
        CUdeviceptr part = scratch((long) blocks * Sizeof.DOUBLE);
        launchGrid("dot_partial", blocks, 1, "dot " + a.shape(), p(a, "dot"), p(b, "dot"), Pointer.to(part), l(a.size()));
        ByteBuffer buf = staging((long) blocks * Sizeof.DOUBLE);
        check(cuMemcpyDtoHAsync(staging, part, (long) blocks * Sizeof.DOUBLE, stream), "dot");
        check(cuStreamSynchronize(stream), "dot " + a.shape());
        check(cuEventRecord(stagingFree, stream), "cuEventRecord");
        buf.clear();
        double s = 0;
        for (int k = 0; k < blocks; k++) s += buf.getDouble(k * Sizeof.DOUBLE);
        return s;
    }

    // ---- losses --------------------------------------------------------------------

    /** A label that is not a class index makes the loss NaN (checked on the device, no wait). */
    @Override public void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor probs, Tensor loss) {
        Checks.softmaxCrossEntropy(this, "softmaxCrossEntropy", logits, labels, probs, loss);
        if (loss.size() != 1) throw new IllegalArgumentException("softmaxCrossEntropy: loss must hold one value, got " + loss.shape());
        current();
        int rows = logits.shape().rows(), cols = logits.shape().cols();
        CUdeviceptr rowLoss = scratch((long) rows * Sizeof.DOUBLE);
        launch("softmax_xent_rows", rows, "softmaxCrossEntropy " + logits.shape(), p(logits, "sce"), p(labels, "sce"), p(probs, "sce"),
                Pointer.to(rowLoss), i(rows), i(cols));
        launchGrid("mean_f64", 1, 1, "softmaxCrossEntropy", Pointer.to(rowLoss), p(loss, "sce"), i(rows));
    }

    @Override public void softmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dx) {
        Checks.softmaxCrossEntropy(this, "softmaxCrossEntropyBackward", probs, labels, probs, dx);
        Checks.sameSize("softmaxCrossEntropyBackward", probs, dx);
        current();
        launch("softmax_xent_bwd", dx.size(), "softmaxCrossEntropyBackward " + probs.shape(), p(probs, "sceb"), p(labels, "sceb"),
                p(dx, "sceb"), i(probs.shape().rows()), i(probs.shape().cols()));
    }

    // ---- normalization and regularization -------------------------------------------

    private static int spatial(Tensor x) { return x.size() / (x.shape().rows() * x.shape().dim(1)); }

    @Override public void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, float momentum, float eps,
                                         Tensor y, Tensor mean, Tensor invStd, Tensor runMean, Tensor runVar) {
        Checks.batchNorm(this, "batchNormTrain", x, y, gamma, beta, mean, invStd, runMean, runVar);
        current();
        String op = "batchNormTrain";
        launchGrid("bn_train", x.shape().dim(1), 1, op + " " + x.shape(), p(x, op), p(gamma, op), p(beta, op), p(y, op), p(mean, op),
                p(invStd, op), p(runMean, op), p(runVar, op), i(x.shape().rows()), i(x.shape().dim(1)), i(spatial(x)), f(momentum), f(eps));
    }

    @Override public void batchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar, float eps, Tensor y) {
        Checks.batchNorm(this, "batchNormInference", x, y, gamma, beta, runMean, runVar);
        current();
        String op = "batchNormInference";
        launch("bn_infer", x.size(), op + " " + x.shape(), p(x, op), p(gamma, op), p(beta, op), p(runMean, op), p(runVar, op), p(y, op),
                l(x.size()), i(x.shape().dim(1)), i(spatial(x)), f(eps));
    }

    @Override public void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd,
                                            Tensor dx, Tensor dgamma, Tensor dbeta) {
        Checks.batchNorm(this, "batchNormBackward", x, dy, gamma, mean, invStd, dgamma, dbeta);
        Checks.sameSize("batchNormBackward", x, dx);
        Checks.owned(this, "batchNormBackward", dx);
        current();
        String op = "batchNormBackward";
        launchGrid("bn_bwd", x.shape().dim(1), 1, op + " " + x.shape(), p(dy, op), p(x, op), p(gamma, op), p(mean, op), p(invStd, op),
                p(dx, op), p(dgamma, op), p(dbeta, op), i(x.shape().rows()), i(x.shape().dim(1)), i(spatial(x)));
    }

    @Override public void dropout(Tensor x, float ratio, long seed, Tensor mask, Tensor y) {
        Checks.dropout(this, x, ratio, mask, y);
        current();
        launch("dropout_fwd", x.size(), "dropout " + x.shape(), p(x, "dropout"), p(mask, "dropout"), p(y, "dropout"), l(x.size()),
                f(ratio), l(seed));
    }

    // ---- optimizers ----------------------------------------------------------------

    @Override public void optimizerStep(UpdateRule rule, Tensor param, Tensor grad, Tensor s1, Tensor s2) {
        Checks.optimizerStep(this, rule, param, grad, s1, s2);
        current();
        String op = "optimizerStep";
        Pointer a = rule.stateCount() >= 1 ? p(s1, op) : p(param, op), b = rule.stateCount() >= 2 ? p(s2, op) : p(param, op);
        launch("optimizer_step", param.size(), op + "(" + rule.kind() + ") " + param.shape(), i(rule.kind().ordinal()), p(param, op),
                p(grad, op), a, b, l(param.size()), f(rule.lr()), f(rule.a()), f(rule.b()), f(rule.eps()));
    }

    @Override public void synchronize() {
        current();
        check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    @Override public void close() {
        if (closed) return;
        current();
        cuStreamSynchronize(stream);
        if (scratchBytes > 0) cuMemFree(scratch);
        if (stagingBytes > 0) cuMemFreeHost(staging);
        JCublas2.cublasDestroy(blas);
        cuModuleUnload(module);
        cuStreamDestroy(stream);
        closed = true;
        cuDevicePrimaryCtxRelease(device);
    }
}
