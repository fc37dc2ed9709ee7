package groundup.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import groundup.backend.Backend;
import groundup.backend.BackendProvider;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * Test helper: the CUDA backend, on the GPU where a driver is installed, else on the host
 * stand-in ({@link HostStandIn}); the test class is skipped with the reason where neither can run.
 */
final class Gpu {
    private Gpu() {}

    /** Null where CUDA tests can run here (a GPU, or the stand-in installed), else why not. */
    static String cannotRun() {
        String cannot = HostStandIn.installIfNoDriver();
        if (cannot != null) return "CUDA tests cannot run here, skipping: " + cannot;
        BackendProvider.Availability a = new CudaBackendProvider().availability();
        return a.available() ? null : "CUDA backend unavailable here, skipping: " + a.reason();
    }

    static Backend backendOrSkip() {
        String cannot = cannotRun();
        assumeTrue(cannot == null, cannot);
        return new CudaBackendProvider().create();
    }

    /**
     * For jqwik property classes ({@code @AddLifecycleHook(Gpu.SkipWithoutCuda.class)}): skips the
     * whole container with the reason. jqwik counts a JUnit assumption that fails inside a try as
     * a rejected try, and a property whose every try is rejected fails as "exhausted".
     */
    public static final class SkipWithoutCuda implements SkipExecutionHook {
        @Override public SkipResult shouldBeSkipped(LifecycleContext context) {
            String cannot = cannotRun();
            return cannot == null ? SkipResult.doNotSkip() : SkipResult.skip(cannot);
        }
    }
}
