package groundup.cuda;

import static groundup.cuda.CudaStatus.blasCheck;
import static groundup.cuda.CudaStatus.check;
import static jcuda.driver.JCudaDriver.cuCtxGetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;

/**
 * What "cuda available" promises: that the backend can work here, not only that its libraries
 * load. With the device's primary context current: loads our kernels (the driver JIT-compiles
 * the PTX; a failure carries the JIT's error log), creates a cuBLAS handle, and runs one 2x2
 * SGEMM whose answer is checked. Everything made is released, and the caller's current
 * context restored.
 */
final class UsabilityProbe {
    /** A, B (2x2, column-major) and where C goes: C = A B = [23 31; 34 46], column-major 23 34 31 46. */
    private static final float[] OPERANDS = {1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0}, PRODUCT = {23, 34, 31, 46};
    private static final int BYTES = OPERANDS.length * Float.BYTES;

    private UsabilityProbe() {}

    /** Throws IllegalStateException naming the first step that failed. */
    static void run(CUdevice device) {
        CUcontext previous = new CUcontext(), context = new CUcontext();
        check(cuCtxGetCurrent(previous), "cuCtxGetCurrent");
        check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        Deque<Runnable> undo = new ArrayDeque<>();
        undo.push(() -> check(cuCtxSetCurrent(previous), "cuCtxSetCurrent (the caller's context)"));
        undo.push(() -> check(cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease"));
        RuntimeException failure = null;
        try {
            check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
            CudaKernels kernels = new CudaKernels();
            undo.push(kernels::close);
            cublasHandle blas = new cublasHandle();
            blasCheck(JCublas2.cublasCreate(blas), "cublasCreate");
            undo.push(() -> blasCheck(JCublas2.cublasDestroy(blas), "cublasDestroy"));
            Pointer host = new Pointer();
            check(cuMemAllocHost(host, BYTES), "cuMemAllocHost(" + BYTES + " bytes)");
            undo.push(() -> check(cuMemFreeHost(host), "cuMemFreeHost"));
            CUdeviceptr dev = new CUdeviceptr();
            check(cuMemAlloc(dev, BYTES), "cuMemAlloc(" + BYTES + " bytes)");
            undo.push(() -> check(cuMemFree(dev), "cuMemFree"));
            FloatBuffer h = host.getByteBuffer(0, BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
            h.put(OPERANDS);
            CUstream legacy = new CUstream();        // the NULL stream, which the handle uses too
            check(cuMemcpyHtoDAsync(dev, host, BYTES, legacy), "cuMemcpyHtoDAsync");
            int n = cublasOperation.CUBLAS_OP_N;
            blasCheck(JCublas2.cublasSgemm(blas, n, n, 2, 2, 2, Pointer.to(new float[] {1f}), dev, 2, dev.withByteOffset(16), 2,
                    Pointer.to(new float[] {0f}), dev.withByteOffset(32), 2), "cublasSgemm (2x2)");
            check(cuMemcpyDtoHAsync(host.withByteOffset(32), dev.withByteOffset(32), 16, legacy), "cuMemcpyDtoHAsync");
            check(cuCtxSynchronize(), "cuCtxSynchronize after a 2x2 SGEMM");
            float[] c = new float[4];
            h.position(8);
            h.get(c);
            if (!Arrays.equals(c, PRODUCT)) {
                throw new IllegalStateException("cuBLAS's 2x2 SGEMM gave " + Arrays.toString(c) + ", not " + Arrays.toString(PRODUCT));
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        while (!undo.isEmpty()) {
            try {
                undo.pop().run();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
        }
        if (failure != null) throw failure;
    }
}
