package groundup.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import groundup.backend.Backend;
import groundup.backend.BackendProvider;

/** Test helper: the CUDA backend, or the test class skipped with the provider's reason. */
final class Gpu {
    private Gpu() {}

    static Backend backendOrSkip() {
        BackendProvider.Availability a = new CudaBackendProvider().availability();
        assumeTrue(a.available(), () -> "CUDA backend unavailable here, skipping: " + a.reason());
        return new CudaBackendProvider().create();
    }
}
