package groundup.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;
import static groundup.cuda.CudaStatus.blasCheck;
import static groundup.cuda.CudaStatus.check;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import groundup.backend.Activation;
import groundup.backend.Backend;
import groundup.backend.Checks;
import groundup.backend.Convolver;
import groundup.backend.DeviceOutOfMemoryException;
import groundup.backend.DeviceTimer;
import groundup.backend.Precision;
import groundup.backend.StepGraph;
import groundup.backend.UpdateRule;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.cudaDataType;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasComputeType;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasStatus;
import jcuda.runtime.cudaStream_t;

/**
 * The CUDA backend: tensors live in device memory; GEMM goes to cuBLAS; every other op is one
 * of our kernels (src/main/cuda/kernels.cu, shipped as PTX, launched through {@link CudaKernels},
 * which checks each argument list against the PTX). One primary context and one stream, shared
 * by cuBLAS and the kernels; ops are queued on the stream and only {@link #download}, {@link #dot}
 * and {@link #synchronize} wait. Uploads go through two pinned staging buffers used in turn, so
 * filling one overlaps the device's work on the last batch (and the copy of the piece before it). Every status code goes through
 * {@link CudaStatus}. One instance is meant for one thread at a time; any
 * thread may use it (the context is made current on demand).
 *
 * <p>An fp32 GEMM is fp32: cuBLAS's default math, never TF32. Reduced precisions are asked for
 * per product ({@link #gemm(Precision, boolean, boolean, float, Tensor, Tensor, float, Tensor)}).
 */
public final class CudaBackend implements Backend {
    /** Threads per block of the elementwise (grid-stride) kernels. */
    private static final int BLOCK = 256, MAX_BLOCKS = 1 << 20;
    /**
     * The most floats one staged copy moves (16 MiB): a larger upload (a training set given to
     * {@link #hold}) goes in pieces through the two staging buffers, so the pinned memory a run
     * keeps is two of these at most, not two copies of its largest upload.
     */
    static final int UPLOAD_CHUNK = 4 << 20;
    /** The most threads a reduction kernel's block may have: its __shared__ array, kernels.cu's REDUCE_THREADS. */
    static final int REDUCE_THREADS = 256;
    private static final ThreadLocal<CUcontext> CURRENT = new ThreadLocal<>();

    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private final cublasHandle blas = new cublasHandle();
    private final CudaKernels kernels;
    private final String deviceName;
    private final int computeMajor;                                        // of the device's compute capability: 8+ has bf16 and tf32 tensor cores
    private final Staging[] uploads = {new Staging("upload staging 0"), new Staging("upload staging 1")};
    private final Staging readback = new Staging("download staging");     // downloads wait for the stream anyway
    private int nextUpload;
    private final Scratch reductions = new Scratch("reduction scratch");    // doubles: partial sums
    // a reduced-precision GEMM's rounded a and b (bf16 or tf32), apart so that neither needs an offset
    private final Scratch roundedA = new Scratch("rounded gemm input a"), roundedB = new Scratch("rounded gemm input b");
    private boolean capturing;                                             // inside record's body
    private long deviceBytes;                                              // what alloc handed out and free has not returned
    private boolean closed;

    /** A pinned host buffer and the event recorded after the last queued copy that reads it. */
    private static final class Staging {
        final String name;
        final CUevent copied = new CUevent();
        Pointer host;
        long bytes;
        ByteBuffer buffer;

        Staging(String name) { this.name = name; }
    }

    CudaBackend() {
        CudaDevice.Info info = CudaDevice.info();
        this.deviceName = info.toString();
        this.computeMajor = info.major();
        check(cuInit(0), "cuInit");
        check(cuDeviceGet(device, 0), "cuDeviceGet");
        check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        // from here on a failure releases what was made, so a failed constructor leaks no context, stream or handle
        boolean streamMade = false, blasMade = false;
        int events = 0;
        CudaKernels k = null;
        try {
            current();
            check(cuStreamCreate(stream, 0), "cuStreamCreate");
            streamMade = true;
            for (Staging s : staging()) {
                check(cuEventCreate(s.copied, 0), "cuEventCreate");
                events++;
            }
            k = new CudaKernels();
            blasCheck(JCublas2.cublasCreate(blas), "cublasCreate");
            blasMade = true;
            blasCheck(JCublas2.cublasSetStream(blas, new cudaStream_t(stream)), "cublasSetStream");
            blasCheck(JCublas2.cublasSetMathMode(blas, cublasMath.CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
        } catch (RuntimeException e) {
            if (blasMade) suppress(e, () -> blasCheck(JCublas2.cublasDestroy(blas), "cublasDestroy"));
            if (k != null) suppress(e, k::close);
            for (int i = 0; i < events; i++) {
                Staging s = staging()[i];
                suppress(e, () -> check(cuEventDestroy(s.copied), "cuEventDestroy"));
            }
            if (streamMade) suppress(e, () -> check(cuStreamDestroy(stream), "cuStreamDestroy"));
            suppress(e, () -> check(cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease"));
            CURRENT.remove();
            throw e;
        }
        this.kernels = k;
    }

    private Staging[] staging() { return new Staging[] {uploads[0], uploads[1], readback}; }

    /** Runs a clean-up step after a failure; its own failure is attached to the first one, not lost. */
    private static void suppress(RuntimeException first, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            first.addSuppressed(e);
        }
    }

    @Override public String name() { return "cuda"; }

    @Override public String describe() { return "cuda: " + deviceName; }

    /** Events on the stream ({@link CudaEventTimer}): marking a span waits for nothing. */
    @Override public DeviceTimer timer() { return new CudaEventTimer(stream, this::current); }

    // ---- plumbing -----------------------------------------------------------------

    /** Makes the context current on the calling thread (contexts are per thread: JMH, test runners). */
    private void current() {
        if (closed) throw new IllegalStateException("the CUDA backend was closed");
        if (CURRENT.get() != context) {
            check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
            CURRENT.set(context);
        }
    }

    private CUdeviceptr dev(Tensor t, String op) { return (CUdeviceptr) t.handle(this, op); }

    private static CudaKernels.Args args() { return CudaKernels.args(); }

    /** Launches a grid-stride kernel over n elements. */
    private void launch(String name, long n, String op, CudaKernels.Args args) {
        if (n <= 0) return;
        int blocks = (int) Math.min((n + BLOCK - 1) / BLOCK, MAX_BLOCKS);
        kernels.launch(name, blocks, 1, BLOCK, stream, op, args);
    }

    /**
     * Threads per block for a tree reduction over {@code work} items per block: a power of two
     * from a warp (32) to REDUCE_THREADS, so a small reduction does not idle most of its block.
     */
    static int reduceThreads(long work) {
        int t = 32;
        while (t < REDUCE_THREADS && t < work) t <<= 1;
        return t;
    }

    /** The reduction scratch buffer, at least bytes ({@link Scratch#atLeast}). */
    private CUdeviceptr scratch(long bytes) { return reductions.atLeast(bytes); }

    /**
     * A device buffer of the backend's own, grown to the most any op has asked of it and never
     * shrunk, so that after a step's first run its ops find it big enough: a recorded step
     * ({@link #record}) may not allocate, and Trainer records a step only after running it.
     */
    private final class Scratch {
        final String name;
        CUdeviceptr ptr;                         // null until first asked for
        long bytes;

        Scratch(String name) { this.name = name; }

        /**
         * The buffer, at least wanted bytes. Growing it waits for the kernels that may still read
         * it, frees it, then allocates; inside {@link #record} it refuses, saying which buffer, since
         * a graph may neither wait nor allocate (the step then runs op by op).
         */
        CUdeviceptr atLeast(long wanted) {
            if (bytes >= wanted) return ptr;
            if (capturing) {
                throw new IllegalStateException("the " + name + " holds " + bytes + " bytes and the step being recorded needs " + wanted
                        + ": a step must run once before it is recorded, so that the backend's buffers are made");
            }
            if (ptr != null) {
                CUdeviceptr old = ptr;
                long oldBytes = bytes;
                ptr = null;                      // reset first: if the allocation below fails, nothing points at freed memory
                bytes = 0;
                check(cuStreamSynchronize(stream), "cuStreamSynchronize (growing the " + name + ")");
                free(old, oldBytes, "cuMemFree (" + name + ")");
            }
            ptr = alloc(wanted);
            bytes = wanted;
            return ptr;
        }

        void close(java.util.List<Runnable> steps) {
            if (ptr != null) steps.add(() -> free(ptr, bytes, "cuMemFree (" + name + ")"));
        }
    }

    private void free(CUdeviceptr p, long bytes, String what) {
        check(cuMemFree(p), what);
        deviceBytes -= bytes;
    }

    private CUdeviceptr alloc(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        int r = cuMemAlloc(p, bytes);
        if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            long[] free = new long[1], total = new long[1];
            check(cuMemGetInfo(free, total), "cuMemGetInfo");
            throw new DeviceOutOfMemoryException("cuda " + deviceName, bytes, free[0], total[0]);
        }
        check(r, "cuMemAlloc(" + bytes + " bytes)");
        deviceBytes += bytes;
        return p;
    }

    /**
     * The staging buffer s, at least bytes, once no queued copy reads it any more (its event);
     * growing it frees the old pinned memory first and leaves s empty if the new allocation fails.
     */
    private Staging ready(Staging s, long bytes) {
        check(cuEventSynchronize(s.copied), "cuEventSynchronize (" + s.name + ")");
        if (s.bytes < bytes) {
            // grown by half again, so that slowly growing sizes do not reallocate every time; an upload buffer never past a piece
            long most = s == readback ? Long.MAX_VALUE : Math.max(bytes, (long) UPLOAD_CHUNK * Sizeof.FLOAT);
            long size = Math.min(most, Math.max(bytes, Math.max(1 << 20, s.bytes * 3 / 2)));
            if (s.host != null) {
                Pointer old = s.host;
                s.host = null;
                s.buffer = null;
                s.bytes = 0;
                check(cuMemFreeHost(old), "cuMemFreeHost (" + s.name + ")");
            }
            Pointer p = new Pointer();
            check(cuMemAllocHost(p, size), "cuMemAllocHost(" + size + " bytes for the " + s.name + ")");
            s.host = p;
            s.bytes = size;
            s.buffer = p.getByteBuffer(0, size).order(ByteOrder.nativeOrder());
        }
        return s;
    }

    // ---- memory -------------------------------------------------------------------

    @Override public Tensor allocate(Shape shape) {
        current();
        long bytes = (long) shape.size() * Sizeof.FLOAT;
        CUdeviceptr p = alloc(bytes);
        Tensor t = Tensor.wrap(this, shape, p, () -> {
            if (!closed) {
                current();
                free(p, bytes, "cuMemFree");
            }
        });
        launch("fill_f32", shape.size(), "allocate", args().ptr(p).i64(shape.size()).f32(0f));
        return t;
    }

    @Override public void upload(float[] src, int offset, Tensor dst) {
        Checks.upload(this, src, offset, dst);
        current();
        CUdeviceptr base = dev(dst, "upload");
        for (int done = 0, n = dst.size(), m; done < n; done += m) {          // done never passes n: no int overflow near 2^31
            m = Math.min(UPLOAD_CHUNK, n - done);
            long bytes = (long) m * Sizeof.FLOAT;
            Staging s = ready(uploads[nextUpload], bytes);
            nextUpload ^= 1;
            s.buffer.clear();
            s.buffer.asFloatBuffer().put(src, offset + done, m);
            check(cuMemcpyHtoDAsync(base.withByteOffset((long) done * Sizeof.FLOAT), s.host, bytes, stream), "upload of " + dst.shape());
            check(cuEventRecord(s.copied, stream), "cuEventRecord (" + s.name + ")");
        }
    }

    @Override public void download(Tensor src, float[] dst, int offset) {
        Checks.download(this, src, dst, offset);
        current();
        long bytes = (long) src.size() * Sizeof.FLOAT;
        Staging s = ready(readback, bytes);
        check(cuMemcpyDtoHAsync(s.host, dev(src, "download"), bytes, stream), "download of " + src.shape());
        check(cuStreamSynchronize(stream), "download of " + src.shape());
        s.buffer.clear();
        s.buffer.asFloatBuffer().get(dst, offset, src.size());
    }

    @Override public void fill(Tensor t, float value) {
        Checks.owned(this, "fill", t);
        current();
        launch("fill_f32", t.size(), "fill " + t.shape(), args().ptr(dev(t, "fill")).i64(t.size()).f32(value));
    }

    @Override public void copy(Tensor src, Tensor dst) {
        Checks.elementwise(this, "copy", src, dst);
        current();
        check(cuMemcpyDtoDAsync(dev(dst, "copy"), dev(src, "copy"), (long) src.size() * Sizeof.FLOAT, stream), "copy " + src.shape());
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
                transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N, n, m, k, Pointer.to(new float[] {alpha}),
                dev(b, "gemm"), b.shape().cols(), dev(a, "gemm"), a.shape().cols(), Pointer.to(new float[] {beta}), dev(c, "gemm"), n);
        if (r != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new IllegalStateException("gemm: cublasSgemm failed with " + cublasStatus.stringFor(r) + " for a " + a.shape()
                    + (transA ? "^T" : "") + ", b " + b.shape() + (transB ? "^T" : "") + ", c " + c.shape());
        }
    }

    /**
     * a and b rounded to the precision by our kernels (round_to_bf16, round_to_tf32: Precision.round
     * bit for bit) into the backend's own buffers, a and b unchanged; then cublasGemmEx on them, the
     * operands swapped as in {@link #gemm(boolean, boolean, float, Tensor, Tensor, float, Tensor)}:
     * bf16 operands (CUDA_R_16BF) under CUBLAS_COMPUTE_32F, or tf32-exact float32 operands under
     * CUBLAS_COMPUTE_32F_FAST_TF32; c float32, the products summed in float32. TF32 is rounded here
     * too, not left to cuBLAS: NVIDIA does not document how the tensor cores convert float32 to
     * tf32 (reports say they drop the low bits), and on tf32-exact inputs any conversion is exact.
     */
    @Override public void gemm(Precision p, boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        if (p == Precision.FP32) {
            gemm(transA, transB, alpha, a, b, beta, c);
            return;
        }
        Checks.gemm(this, transA, transB, a, b, c);
        current();
        String op = p + " gemm";
        int m = c.shape().rows(), n = c.shape().cols(), k = transA ? a.shape().rows() : a.shape().cols();
        boolean bf16 = p == Precision.BF16;
        long width = bf16 ? 2 : Sizeof.FLOAT;                 // bytes of a rounded element
        String kernel = bf16 ? "round_to_bf16" : "round_to_tf32";
        CUdeviceptr ra = roundedA.atLeast(a.size() * width), rb = roundedB.atLeast(b.size() * width);
        long perThread = bf16 ? 2 : 1;                           // round_to_bf16 writes two elements as one 32-bit word
        launch(kernel, (a.size() + perThread - 1) / perThread, op + ": a " + a.shape(), args().ptr(dev(a, op)).ptr(ra).i64(a.size()));
        launch(kernel, (b.size() + perThread - 1) / perThread, op + ": b " + b.shape(), args().ptr(dev(b, op)).ptr(rb).i64(b.size()));
        int type = bf16 ? cudaDataType.CUDA_R_16BF : cudaDataType.CUDA_R_32F;
        int r = JCublas2.cublasGemmEx_new(blas, transB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N, n, m, k, Pointer.to(new float[] {alpha}),
                rb, type, b.shape().cols(), ra, type, a.shape().cols(), Pointer.to(new float[] {beta}), dev(c, op), cudaDataType.CUDA_R_32F, n,
                bf16 ? cublasComputeType.CUBLAS_COMPUTE_32F : cublasComputeType.CUBLAS_COMPUTE_32F_FAST_TF32, cublasGemmAlgo.CUBLAS_GEMM_DEFAULT);
        if (r != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new IllegalStateException(op + ": cublasGemmEx failed with " + cublasStatus.stringFor(r) + " for a " + a.shape()
                    + (transA ? "^T" : "") + ", b " + b.shape() + (transB ? "^T" : "") + ", c " + c.shape() + " on " + deviceName);
        }
    }

    /**
     * fp32; bf16 and tf32 through cublasGemmEx on inputs our kernels rounded. The tensor cores
     * for both came with compute capability 8.0 (Ampere); a 7.5 (Turing) has none, and what
     * cuBLAS does with these calls there (other kernels, or a refusal that gemm reports) has not
     * been tried.
     */
    @Override public String precisionDetail(Precision p) {
        String cores = computeMajor >= 8 ? "tensor cores" : "compute capability " + computeMajor + ".x: no " + p + " tensor cores, cuBLAS's other kernels";
        return switch (p) {
            case FP32 -> "fp32";
            case BF16 -> "bf16: cuBLAS GemmEx on bf16 inputs, fp32 sums (" + cores + ")";
            case TF32 -> "tf32: cuBLAS GemmEx (fast tf32) on inputs rounded to tf32, fp32 sums (" + cores + ")";
        };
    }

    @Override public void batchedTranspose(Tensor x, int batch, int rows, int cols, Tensor y) {
        Checks.batchedTranspose(this, x, batch, rows, cols, y);
        current();
        String op = "batchedTranspose";
        launch("batched_transpose", x.size(), op + " " + x.shape(), args().ptr(dev(x, op)).ptr(dev(y, op)).i32(batch).i32(rows).i32(cols));
    }

    // ---- convolution ---------------------------------------------------------------

    /** The geometry's ten ints, in the order every convolution kernel takes them: N C H W KH KW S P OH OW. */
    private static CudaKernels.Args geometry(CudaKernels.Args a, ConvGeometry g) {
        return a.i32(g.n()).i32(g.c()).i32(g.h()).i32(g.w()).i32(g.kh()).i32(g.kw()).i32(g.stride()).i32(g.pad()).i32(g.outH()).i32(g.outW());
    }

    @Override public void im2col(Tensor x, ConvGeometry g, Tensor col) {
        Checks.im2col(this, x, g, col);
        current();
        launch("im2col", col.size(), "im2col " + g, geometry(args().ptr(dev(x, "im2col")).ptr(dev(col, "im2col")), g));
    }

    @Override public void col2im(Tensor col, ConvGeometry g, Tensor dx) {
        Checks.col2im(this, col, g, dx);
        current();
        launch("col2im", dx.size(), "col2im " + g, geometry(args().ptr(dev(col, "col2im")).ptr(dev(dx, "col2im")), g));
    }

    /** Im2col and GEMM, with the bias, ReLU and pooling after them fused ({@link CudaConvolver}). */
    @Override public Convolver convolver(ConvGeometry g, int filters) { return new CudaConvolver(this, g, filters, Precision.FP32); }

    /** As {@link #convolver(ConvGeometry, int)}, its three GEMMs in the precision ({@link #gemm(Precision, boolean, boolean, float, Tensor, Tensor, float, Tensor)}). */
    @Override public Convolver convolver(ConvGeometry g, int filters, Precision p) {
        precisionDetail(p);
        return new CudaConvolver(this, g, filters, p);
    }

    /** The pooling geometry's window, stride, pad and sizes, as the fused kernels take them: N F OH OW KH KW S P PH PW. */
    private static CudaKernels.Args pooling(CudaKernels.Args a, ConvGeometry p) {
        return a.i32(p.n()).i32(p.c()).i32(p.h()).i32(p.w()).i32(p.kh()).i32(p.kw()).i32(p.stride()).i32(p.pad()).i32(p.outH()).i32(p.outW());
    }

    /** yp, argmax = max pooling of relu(out + bias), out (N*OH*OW, F) as a GEMM leaves it; argmax null: not kept. Checked by the caller. */
    void biasReluPool(Tensor out, Tensor bias, ConvGeometry pool, Tensor yp, Tensor argmax) {
        current();
        String op = "convolution's bias, ReLU and pooling";
        launch("bias_relu_pool", yp.size(), op + " " + pool, pooling(args().ptr(dev(out, op)).ptr(dev(bias, op)).ptr(dev(yp, op))
                .ptr(dev(argmax == null ? yp : argmax, op)).i32(argmax == null ? 0 : 1), pool));
    }

    /** dout (N*OH*OW, F) = the gradient of {@link #biasReluPool}'s out from dyp, with its yp and argmax. Checked by the caller. */
    void reluPoolBackwardColumns(Tensor dyp, Tensor yp, Tensor argmax, ConvGeometry pool, Tensor dout) {
        current();
        String op = "convolution's pooling and ReLU backward";
        launch("relu_pool_bwd_columns", dout.size(), op + " " + pool, pooling(args().ptr(dev(dyp, op)).ptr(dev(yp, op)).ptr(dev(argmax, op))
                .ptr(dev(dout, op)), pool));
    }

    @Override public void maxPool(Tensor x, ConvGeometry g, Tensor y, Tensor argmax) {
        Checks.maxPool(this, x, g, y, argmax);
        current();
        String op = "maxPool";
        launch("max_pool_fwd", y.size(), op + " " + g, geometry(args().ptr(dev(x, op)).ptr(dev(y, op)).ptr(dev(argmax, op)), g));
    }

    @Override public void maxPoolBackward(Tensor dy, Tensor argmax, ConvGeometry g, Tensor dx) {
        Checks.maxPoolBackward(this, dy, argmax, g, dx);
        current();
        String op = "maxPoolBackward";
        launch("fill_f32", dx.size(), op, args().ptr(dev(dx, op)).i64(dx.size()).f32(0f));
        launch("max_pool_bwd", dy.size(), op + " " + g, args().ptr(dev(dy, op)).ptr(dev(argmax, op)).ptr(dev(dx, op))
                .i32(g.n()).i32(g.c()).i32(g.h()).i32(g.w()).i32(g.kw()).i32(g.stride()).i32(g.pad()).i32(g.outH()).i32(g.outW()));
    }

    // ---- elementwise -------------------------------------------------------------

    @Override public void activation(Activation fn, Tensor x, Tensor y) {
        String op = "activation(" + fn + ")";
        Checks.elementwise(this, op, x, y);
        current();
        String kernel = switch (fn) {
            case RELU -> "relu_fwd";
            case SIGMOID -> "sigmoid_fwd";
            case TANH -> "tanh_fwd";
        };
        launch(kernel, x.size(), op + " " + x.shape(), args().ptr(dev(x, op)).ptr(dev(y, op)).i64(x.size()));
    }

    @Override public void activationBackward(Activation fn, Tensor saved, Tensor dy, Tensor dx) {
        String op = "activationBackward(" + fn + ")";
        Checks.elementwise(this, op, saved, dy, dx);
        current();
        String kernel = switch (fn) {
            case RELU -> "relu_bwd";
            case SIGMOID -> "sigmoid_bwd";
            case TANH -> "tanh_bwd";
        };
        launch(kernel, dx.size(), op + " " + dx.shape(), args().ptr(dev(saved, op)).ptr(dev(dy, op)).ptr(dev(dx, op)).i64(dx.size()));
    }

    @Override public void mul(Tensor a, Tensor b, Tensor out) {
        Checks.elementwise(this, "mul", a, b, out);
        current();
        launch("mul_f32", out.size(), "mul " + out.shape(), args().ptr(dev(a, "mul")).ptr(dev(b, "mul")).ptr(dev(out, "mul")).i64(out.size()));
    }

    @Override public void scale(float alpha, Tensor x, Tensor out) {
        Checks.elementwise(this, "scale", x, out);
        current();
        launch("scale_f32", out.size(), "scale " + out.shape(), args().f32(alpha).ptr(dev(x, "scale")).ptr(dev(out, "scale")).i64(out.size()));
    }

    @Override public void axpy(float alpha, Tensor x, Tensor y) {
        Checks.elementwise(this, "axpy", x, y);
        current();
        launch("axpy_f32", y.size(), "axpy " + y.shape(), args().f32(alpha).ptr(dev(x, "axpy")).ptr(dev(y, "axpy")).i64(y.size()));
    }

    @Override public void addRowVector(Tensor x, Tensor v, Tensor out) {
        String op = "addRowVector";
        Checks.rowVector(this, op, x, v, out);
        current();
        launch("add_row_vector", out.size(), op + " " + x.shape(),
                args().ptr(dev(x, op)).ptr(dev(v, op)).ptr(dev(out, op)).i64(out.size()).i32(v.size()));
    }

    // ---- reductions ----------------------------------------------------------------

    /**
     * Column sums in two passes, in double: blocks of threads over the columns (a warp when
     * there are few) times chunks of rows write partial sums; one more kernel adds the chunks.
     */
    @Override public void sumRows(Tensor x, Tensor out) {
        Checks.sumRows(this, x, out);
        current();
        String op = "sumRows";
        int rows = x.shape().rows(), cols = out.size();
        int threads = Math.min(BLOCK, (cols + 31) / 32 * 32);
        int rowsPer = Math.max(1, (rows + 1023) / 1024), chunks = (rows + rowsPer - 1) / rowsPer;
        CUdeviceptr part = scratch((long) chunks * cols * Sizeof.DOUBLE);
        kernels.launch("sum_rows_partial", (cols + threads - 1) / threads, chunks, threads, stream, op + " " + x.shape(),
                args().ptr(dev(x, op)).ptr(part).i32(rows).i32(cols).i32(rowsPer));
        launch("sum_rows_final", cols, op + " " + x.shape(), args().ptr(part).ptr(dev(out, op)).i32(chunks).i32(cols));
    }

    @Override public void argmaxRows(Tensor x, Tensor out) {
        Checks.argmaxRows(this, x, out);
        current();
        String op = "argmaxRows";
        launch("argmax_rows", out.size(), op + " " + x.shape(), args().ptr(dev(x, op)).ptr(dev(out, op)).i32(x.shape().rows()).i32(x.shape().cols()));
    }

    @Override public double dot(Tensor a, Tensor b) {
        Checks.elementwise(this, "dot", a, b);
        current();
        int threads = reduceThreads(a.size());
        int blocks = (int) Math.max(1, Math.min((a.size() + threads - 1) / threads, 1024));
        long bytes = (long) blocks * Sizeof.DOUBLE;
        CUdeviceptr part = scratch(bytes);
        kernels.launch("dot_partial", blocks, 1, threads, stream, "dot " + a.shape(), args().ptr(dev(a, "dot")).ptr(dev(b, "dot")).ptr(part).i64(a.size()));
        Staging s = ready(readback, bytes);
        check(cuMemcpyDtoHAsync(s.host, part, bytes, stream), "dot " + a.shape());
        check(cuStreamSynchronize(stream), "dot " + a.shape());
        s.buffer.clear();
        double sum = 0;
        for (int k = 0; k < blocks; k++) sum += s.buffer.getDouble(k * Sizeof.DOUBLE);
        return sum;
    }

    // ---- rows at a position held on the device ---------------------------------------

    @Override public void gatherRows(Tensor src, Tensor index, Tensor at, Tensor dst) {
        String op = "gatherRows";
        Checks.gatherRows(this, src, index, at, dst);
        current();
        launch("gather_rows", dst.size(), op + " " + dst.shape(), args().ptr(dev(src, op)).ptr(dev(index, op)).ptr(dev(at, op))
                .ptr(dev(dst, op)).i64(dst.size()).i32(dst.shape().cols()).i32(src.shape().rows()).i32(index.size()));
    }

    @Override public void putRows(Tensor src, Tensor at, Tensor dst) {
        String op = "putRows";
        Checks.putRows(this, src, at, dst);
        current();
        launch("put_rows", src.size(), op + " " + src.shape(), args().ptr(dev(src, op)).ptr(dev(at, op)).ptr(dev(dst, op))
                .i64(src.size()).i32(dst.shape().cols()).i32(dst.shape().rows()));
    }

    @Override public void countEqual(Tensor a, Tensor b, Tensor out) {
        String op = "countEqual";
        Checks.countEqual(this, a, b, out);
        current();
        kernels.launch("count_equal", 1, 1, reduceThreads(a.size()), stream, op + " " + a.shape(),
                args().ptr(dev(a, op)).ptr(dev(b, op)).ptr(dev(out, op)).i64(a.size()));
    }

    // ---- losses --------------------------------------------------------------------

    /**
     * Labels reach the device through {@link #uploadLabels}, which rejects what is not a class
     * index on the host; a bad label that arrives otherwise makes the loss NaN here (no device
     * check, which would need a wait).
     */
    @Override public void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor probs, Tensor loss) {
        String op = "softmaxCrossEntropy";
        Checks.softmaxCrossEntropy(this, op, logits, labels, probs, loss);
        if (loss.size() != 1) throw new IllegalArgumentException(op + ": loss must hold one value, got " + loss.shape());
        current();
        int rows = logits.shape().rows(), cols = logits.shape().cols();
        CUdeviceptr rowLoss = scratch((long) rows * Sizeof.DOUBLE);
        launch("softmax_xent_rows", rows, op + " " + logits.shape(),
                args().ptr(dev(logits, op)).ptr(dev(labels, op)).ptr(dev(probs, op)).ptr(rowLoss).i32(rows).i32(cols));
        kernels.launch("mean_f64", 1, 1, reduceThreads(rows), stream, op, args().ptr(rowLoss).ptr(dev(loss, op)).i32(rows));
    }

    @Override public void softmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dx) {
        String op = "softmaxCrossEntropyBackward";
        Checks.softmaxCrossEntropy(this, op, probs, labels, probs, dx);
        Checks.sameSize(op, probs, dx);
        current();
        launch("softmax_xent_bwd", dx.size(), op + " " + probs.shape(),
                args().ptr(dev(probs, op)).ptr(dev(labels, op)).ptr(dev(dx, op)).i32(probs.shape().rows()).i32(probs.shape().cols()));
    }

    // ---- normalization and regularization -------------------------------------------

    /** Positions per channel and sample of x (N, C, ...): 1 for (N, C). */
    private static int spatial(Tensor x) { return x.size() / (x.shape().rows() * x.shape().dim(1)); }

    @Override public void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, float momentum, float eps,
                                         Tensor y, Tensor mean, Tensor invStd, Tensor runMean, Tensor runVar) {
        String op = "batchNormTrain";
        Checks.batchNorm(this, op, x, y, gamma, beta, mean, invStd, runMean, runVar);
        current();
        int n = x.shape().rows(), c = x.shape().dim(1), s = spatial(x);
        kernels.launch("bn_train", c, 1, reduceThreads((long) n * s), stream, op + " " + x.shape(),
                args().ptr(dev(x, op)).ptr(dev(gamma, op)).ptr(dev(beta, op)).ptr(dev(y, op)).ptr(dev(mean, op)).ptr(dev(invStd, op))
                        .ptr(dev(runMean, op)).ptr(dev(runVar, op)).i32(n).i32(c).i32(s).f32(momentum).f32(eps));
    }

    @Override public void batchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar, float eps, Tensor y) {
        String op = "batchNormInference";
        Checks.batchNorm(this, op, x, y, gamma, beta, runMean, runVar);
        current();
        launch("bn_infer", x.size(), op + " " + x.shape(), args().ptr(dev(x, op)).ptr(dev(gamma, op)).ptr(dev(beta, op))
                .ptr(dev(runMean, op)).ptr(dev(runVar, op)).ptr(dev(y, op)).i64(x.size()).i32(x.shape().dim(1)).i32(spatial(x)).f32(eps));
    }

    @Override public void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd,
                                            Tensor dx, Tensor dgamma, Tensor dbeta) {
        String op = "batchNormBackward";
        Checks.batchNorm(this, op, x, dy, gamma, mean, invStd, dgamma, dbeta);
        Checks.sameSize(op, x, dx);
        Checks.owned(this, op, dx);
        current();
        int n = x.shape().rows(), c = x.shape().dim(1), s = spatial(x);
        kernels.launch("bn_bwd", c, 1, reduceThreads((long) n * s), stream, op + " " + x.shape(),
                args().ptr(dev(dy, op)).ptr(dev(x, op)).ptr(dev(gamma, op)).ptr(dev(mean, op)).ptr(dev(invStd, op)).ptr(dev(dx, op))
                        .ptr(dev(dgamma, op)).ptr(dev(dbeta, op)).i32(n).i32(c).i32(s));
    }

    @Override public void dropout(Tensor x, float ratio, long seed, Tensor step, Tensor mask, Tensor y) {
        Checks.dropout(this, x, ratio, step, mask, y);
        current();
        String op = "dropout";
        launch("dropout_fwd", x.size(), op + " " + x.shape(),
                args().ptr(dev(x, op)).ptr(dev(step, op)).ptr(dev(mask, op)).ptr(dev(y, op)).i64(x.size()).f32(ratio).i64(seed));
    }

    // ---- optimizers ----------------------------------------------------------------

    /** The optimizer_step kernel's code for each rule (kernels.cu); a new kind fails to compile here until it has one. */
    static int optimizerCode(UpdateRule.Kind kind) {
        return switch (kind) {
            case SGD -> 0;
            case MOMENTUM -> 1;
            case NESTEROV -> 2;
            case ADAGRAD -> 3;
            case RMSPROP -> 4;
            case ADAM -> 5;
        };
    }

    @Override public void optimizerStep(UpdateRule rule, Tensor param, Tensor grad, Tensor s1, Tensor s2) {
        Checks.optimizerStep(this, rule, param, grad, s1, s2);
        current();
        String op = "optimizerStep(" + rule.kind() + ")";
        // kinds without state get param in the unused slots: the kernel never touches them
        CUdeviceptr a = rule.stateCount() >= 1 ? dev(s1, op) : dev(param, op), b = rule.stateCount() >= 2 ? dev(s2, op) : dev(param, op);
        launch("optimizer_step", param.size(), op + " " + param.shape(), args().i32(optimizerCode(rule.kind())).ptr(dev(param, op))
                .ptr(dev(grad, op)).ptr(a).ptr(b).i64(param.size()).f32(rule.lr()).f32(rule.a()).f32(rule.b()).f32(rule.eps()).f32(rule.decay()));
    }

    /**
     * The device table optimizer_steps reads (kernels.cu) for one set of tensors: made on the first
     * optimizerSteps call with them (an allocation and a copy, before any graph is captured) and
     * found again by their identity, so a step issues one launch and nothing else.
     */
    private record ParameterTable(Tensor[] key, boolean[] decays, CUdeviceptr table, long bytes, long total) {
        boolean live() {
            for (Tensor t : key) if (t != null && t.isClosed()) return false;
            return true;
        }
    }

    /**
     * The tables made so far, newest last. One is freed only once a tensor it points at is closed:
     * a live one may be read by a recorded step graph, so it is never evicted to save room (a
     * network has one parameter list; a table is 48 bytes per parameter tensor).
     */
    private final java.util.List<ParameterTable> tables = new java.util.ArrayList<>();

    private ParameterTable table(UpdateRule rule, Tensor[] params, Tensor[] grads, Tensor[] s1, Tensor[] s2, boolean[] decays, String op) {
        int n = params.length, state = rule.stateCount();
        Tensor[] key = new Tensor[4 * n];
        for (int i = 0; i < n; i++) {
            key[4 * i] = params[i];
            key[4 * i + 1] = grads[i];
            key[4 * i + 2] = state >= 1 ? s1[i] : null;
            key[4 * i + 3] = state >= 2 ? s2[i] : null;
        }
        for (ParameterTable t : tables) if (java.util.Arrays.equals(t.key, key) && java.util.Arrays.equals(t.decays, decays)) return t;
        for (java.util.Iterator<ParameterTable> it = tables.iterator(); it.hasNext(); ) {
            ParameterTable t = it.next();
            if (!t.live()) {                                 // freeing waits for the kernels that may still read it
                free(t.table, t.bytes, "cuMemFree (optimizer table)");
                it.remove();
            }
        }
        long[] host = new long[n + 1 + 5 * n];             // the starts and decay flags; a kernel writes the pointers, which Java cannot read
        for (int i = 0; i < n; i++) {
            host[i + 1] = host[i] + params[i].size();
            host[n + 1 + 5 * i + 4] = decays[i] ? 1 : 0;
        }
        long bytes = (long) host.length * Sizeof.LONG;
        CUdeviceptr d = alloc(bytes);
        check(cuMemcpyHtoDAsync(d, Pointer.to(host), bytes, stream), op + ": the parameter table");
        for (int i = 0; i < n; i++) {
            CUdeviceptr p = dev(params[i], op);
            kernels.launch("table_pointers", 1, 1, 1, stream, op + ": the parameter table", args().ptr(d).i32(n + 1 + 5 * i).ptr(p)
                    .ptr(dev(grads[i], op)).ptr(state >= 1 ? dev(s1[i], op) : p).ptr(state >= 2 ? dev(s2[i], op) : p));
        }
        ParameterTable t = new ParameterTable(key, decays.clone(), d, bytes, host[n]);
        tables.add(t);
        return t;
    }

    @Override public void optimizerSteps(UpdateRule rule, Tensor rates, Tensor at, Tensor[] params, Tensor[] grads, Tensor[] s1, Tensor[] s2,
                                         boolean[] decays) {
        Checks.optimizerSteps(this, rule, rates, at, params, grads, s1, s2, decays);
        current();
        String op = "optimizerSteps(" + rule.kind() + ")";
        ParameterTable t = table(rule, params, grads, s1, s2, decays, op);
        launch("optimizer_steps", t.total(), op + " over " + params.length + " parameters", args().i32(optimizerCode(rule.kind())).ptr(t.table())
                .i32(params.length).ptr(dev(rates, op)).i32(rates.size()).ptr(dev(at, op)).f32(rule.a()).f32(rule.b()).f32(rule.eps()).f32(rule.decay()));
    }

    /** cuBLAS's workspace, set before the first capture so that a captured GEMM never allocates one (cuBLAS's advice for graphs). */
    private static final long BLAS_WORKSPACE = 32L << 20;
    private CUdeviceptr blasWorkspace;

    /**
     * Captures the stream while body runs (global mode: the driver refuses a wait, an allocation
     * or an upload from pageable memory, and the capture fails naming it), instantiates the graph
     * once, and launches it with one call per step.
     */
    @Override public StepGraph record(Runnable body) {
        current();
        if (blasWorkspace == null) {
            CUdeviceptr w = alloc(BLAS_WORKSPACE);
            blasCheck(JCublas2.cublasSetWorkspace(blas, w, BLAS_WORKSPACE), "cublasSetWorkspace");
            blasWorkspace = w;
        }
        check(cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_GLOBAL), "cuStreamBeginCapture");
        CUgraph graph = new CUgraph();
        capturing = true;
        try {
            body.run();
        } catch (RuntimeException e) {
            if (cuStreamEndCapture(stream, graph) == CUresult.CUDA_SUCCESS) cuGraphDestroy(graph);
            throw new IllegalStateException("recording a step graph: " + e.getMessage()
                    + " (a recorded step may not wait for the device, allocate, free or upload)", e);
        } finally {
            capturing = false;
        }
        check(cuStreamEndCapture(stream, graph), "cuStreamEndCapture (the step did what a graph cannot hold: a wait, an allocation, an upload)");
        CUgraphExec exec = new CUgraphExec();
        try {
            check(cuGraphInstantiate(exec, graph, 0), "cuGraphInstantiate");
        } finally {
            check(cuGraphDestroy(graph), "cuGraphDestroy");
        }
        return new StepGraph() {
            private boolean freed;

            @Override public void launch() {
                if (freed) throw new IllegalStateException("launch of a closed step graph");
                current();
                check(cuGraphLaunch(exec, stream), "cuGraphLaunch");
            }

            @Override public void close() {
                if (freed || closed) return;
                freed = true;
                current();
                check(cuGraphExecDestroy(exec), "cuGraphExecDestroy");
            }
        };
    }

    @Override public long deviceBytesInUse() { return deviceBytes; }

    @Override public void synchronize() {
        current();
        check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    /** Frees everything, each step even if an earlier one failed; then throws the first failure, with the others attached. */
    @Override public void close() {
        if (closed) return;
        current();
        java.util.List<Runnable> steps = new java.util.ArrayList<>();
        steps.add(() -> check(cuStreamSynchronize(stream), "cuStreamSynchronize"));
        for (Scratch s : new Scratch[] {reductions, roundedA, roundedB}) s.close(steps);
        if (blasWorkspace != null) steps.add(() -> free(blasWorkspace, BLAS_WORKSPACE, "cuMemFree (cuBLAS workspace)"));
        for (ParameterTable t : tables) steps.add(() -> free(t.table(), t.bytes(), "cuMemFree (optimizer table)"));
        for (Staging s : staging()) {
            if (s.host != null) steps.add(() -> check(cuMemFreeHost(s.host), "cuMemFreeHost (" + s.name + ")"));
            steps.add(() -> check(cuEventDestroy(s.copied), "cuEventDestroy (" + s.name + ")"));
        }
        steps.add(() -> blasCheck(JCublas2.cublasDestroy(blas), "cublasDestroy"));
        steps.add(kernels::close);
        steps.add(() -> check(cuStreamDestroy(stream), "cuStreamDestroy"));
        steps.add(() -> check(cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease"));
        RuntimeException first = null;
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        closed = true;
        CURRENT.remove();
        if (first != null) throw first;
    }
}
