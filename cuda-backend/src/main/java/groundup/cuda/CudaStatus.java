package groundup.cuda;

import jcuda.driver.CUresult;
import jcuda.jcublas.cublasStatus;

/** Every status code of the driver and of cuBLAS goes through here: a failure names the call and the status. */
final class CudaStatus {
    private CudaStatus() {}

    static void check(int result, String what) {
        if (result != CUresult.CUDA_SUCCESS) throw new IllegalStateException("CUDA " + what + " failed: " + CUresult.stringFor(result));
    }

    static void blasCheck(int status, String what) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) throw new IllegalStateException("cuBLAS " + what + " failed: " + cublasStatus.stringFor(status));
    }
}
