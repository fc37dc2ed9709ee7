package groundup.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import groundup.backend.Backend;
import groundup.backend.BackendProvider;

/**
 * Test helper: the CUDA backend, on the GPU where a driver is installed, else on the host
 * stand-in ({@link HostStandIn}); the test class is skipped with the reason where neither can run.
 */
final class Gpu {
    private Gpu() {}

    static Backend backendOrSkip() {
        String cannot = HostStandIn.installIfNoDriver();
        assumeTrue(cannot == null, () -> "CUDA tests cannot run here, skipping: " + cannot);
        BackendProvider.Availability a = new CudaBackendProvider().availability();
        assumeTrue(a.available(), () -> "CUDA backend unavailable here, skipping: " + a.reason());
        return new CudaBackendProvider().create();
    }
}
