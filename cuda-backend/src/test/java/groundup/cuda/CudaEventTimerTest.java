package groundup.cuda;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.backend.Backend;
import groundup.backend.DeviceTimer;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The CUDA backend times spans with events on its stream: marking waits for nothing, the span
 * of a GEMM takes longer than an empty one, and a timer reused span after span reads each one;
 * one never recorded is the driver's invalid handle.
 * On the stand-in the time is the host's between the moments its queue reached the events.
 */
@Tag("cuda-device")
class CudaEventTimerTest {

    @Test void eventsTimeTheWorkBetweenThemAndNothingElse() {
        try (Backend b = Gpu.backendOrSkip(); DeviceTimer t = b.timer(); DeviceTimer empty = b.timer()) {
            assertTrue(t.method().contains("CUDA events"), t.method());
            IllegalStateException never = assertThrows(IllegalStateException.class, t::elapsedMs, "no span recorded yet");
            assertTrue(never.getMessage().contains("cuEventElapsedTime"), never.getMessage());
            int n = 192;
            try (Tensor a = b.allocate(Shape.of(n, n)); Tensor c = b.allocate(Shape.of(n, n))) {
                b.fill(a, 0.5f);
                for (int round = 0; round < 3; round++) {
                    empty.start();
                    empty.stop();
                    t.start();
                    for (int i = 0; i < 4; i++) b.gemm(false, false, 1f, a, a, 0f, c);
                    t.stop();
                    double work = t.elapsedMs(), none = empty.elapsedMs();
                    assertTrue(work > 0 && Double.isFinite(work), "round " + round + ": " + work + " ms");
                    assertTrue(none >= 0 && none < work, "round " + round + ": an empty span " + none + " ms, four GEMMs " + work + " ms");
                }
            }
        }
    }
}
