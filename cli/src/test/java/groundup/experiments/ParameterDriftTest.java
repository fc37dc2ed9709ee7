package groundup.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The backend switch's drift: the largest relative distance over the parameter tensors; a diverged run's is NaN. */
class ParameterDriftTest {
    @Test void theFarthestTensorRelativeToItsOwnSize() {
        float[][] ref = {{3, 4}, {0.01f, 0}};
        assertEquals(0, BackendSwitchExperiment.drift(new float[][] {{3, 4}, {0.01f, 0}}, ref));
        assertEquals(0.2, BackendSwitchExperiment.drift(new float[][] {{3, 5}, {0.01f, 0}}, ref), 1e-9, "|(0,1)| / |(3,4)|");
        assertEquals(0.5, BackendSwitchExperiment.drift(new float[][] {{3, 5}, {0.015f, 0}}, ref), 1e-6, "the small tensor, relative to itself");
        assertTrue(Double.isNaN(BackendSwitchExperiment.drift(new float[][] {{Float.NaN, 4}, {0.01f, 0}}, ref)));
    }
}
