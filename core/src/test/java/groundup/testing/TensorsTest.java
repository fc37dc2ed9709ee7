package groundup.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The comparison every backend test leans on must be able to fail. */
class TensorsTest {
    @Test void infinitiesAndNaNMustMatchExactly() {
        float inf = Float.POSITIVE_INFINITY, nan = Float.NaN;
        Tensors.assertClose(new float[] {inf, -inf, nan, 1f}, new float[] {inf, -inf, nan, 1.00001f}, 1e-4, 1e-6, "equal");
        assertThrows(AssertionFailedError.class, () -> Tensors.assertClose(new float[] {inf}, new float[] {1f}, 1e-4, 1e-6, "inf vs finite"));
        assertThrows(AssertionFailedError.class, () -> Tensors.assertClose(new float[] {inf}, new float[] {-inf}, 1e-4, 1e-6, "inf vs -inf"));
        assertThrows(AssertionFailedError.class, () -> Tensors.assertClose(new float[] {1f}, new float[] {inf}, 1e-4, 1e-6, "finite vs inf"));
        assertThrows(AssertionFailedError.class, () -> Tensors.assertClose(new float[] {nan}, new float[] {0f}, 1e-4, 1e-6, "NaN vs 0"));
        assertThrows(AssertionFailedError.class, () -> Tensors.assertClose(new float[] {1f}, new float[] {1.1f}, 1e-4, 1e-6, "too far"));
    }
}
