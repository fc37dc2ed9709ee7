package groundup.cpu;

import groundup.backend.Backend;
import groundup.testing.BackendProperties;

/** The property-based tests on the CPU backend (2 threads, so the parallel paths run). */
class CpuBackendPropertiesTest extends BackendProperties {
    private static final Backend B = new CpuBackend(2);

    @Override protected Backend backend() { return B; }
}
