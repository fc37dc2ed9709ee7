package groundup.cuda;

import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.cublasStatus;

/** Every status code of the driver and of cuBLAS goes through here: a failure names the call and the status. */
final class CudaStatus {
    private CudaStatus() {}

    static void check(int result, String what) {
        if (result != CUresult.CUDA_SUCCESS) throw new IllegalStateException("CUDA " + what + " failed: " + describe(result));
    }

    /**
     * The status's name and the driver's description of it ("an illegal memory access was
     * encountered"; on the host stand-in, what it found, such as the race a kernel had).
     */
    static String describe(int result) {
        String name = CUresult.stringFor(result), text[] = new String[1];
        if (JCudaDriver.cuGetErrorString(result, text) != CUresult.CUDA_SUCCESS || text[0] == null || text[0].isEmpty()) return name;
        return name + " (" + text[0] + ")";
    }

    static void blasCheck(int status, String what) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) throw new IllegalStateException("cuBLAS " + what + " failed: " + cublasStatus.stringFor(status));
    }
}
