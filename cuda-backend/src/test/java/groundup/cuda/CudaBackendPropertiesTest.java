package groundup.cuda;

import groundup.backend.Backend;
import groundup.testing.BackendProperties;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/** The property-based tests on CUDA: the GPU, else the host stand-in (HostStandIn); skipped with the reason where neither can run. */
@Tag("cuda-device")
@AddLifecycleHook(Gpu.SkipWithoutCuda.class)
class CudaBackendPropertiesTest extends BackendProperties {
    private static Backend backend;

    @Override protected synchronized Backend backend() {
        if (backend == null) backend = Gpu.backendOrSkip();     // one for the whole run; the JVM's exit frees it
        return backend;
    }
}
