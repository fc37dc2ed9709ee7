package groundup.cuda;

import groundup.backend.Backend;
import groundup.testing.BackendContract;
import org.junit.jupiter.api.Tag;

/** The shared backend contract on the GPU; on the GPU, else on the host stand-in (HostStandIn); skipped with the reason where neither can run. */
@Tag("cuda-device")
class CudaBackendContractTest extends BackendContract {
    @Override protected Backend createBackend() { return Gpu.backendOrSkip(); }
}
