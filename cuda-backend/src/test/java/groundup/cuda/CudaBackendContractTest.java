package groundup.cuda;

import groundup.backend.Backend;
import groundup.testing.BackendContract;

/** The shared backend contract on the GPU; skipped with the reason where no GPU is usable. */
class CudaBackendContractTest extends BackendContract {
    @Override protected Backend createBackend() { return Gpu.backendOrSkip(); }
}
