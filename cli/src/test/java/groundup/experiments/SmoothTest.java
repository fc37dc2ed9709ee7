package groundup.experiments;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SmoothTest {
    /** numpy's kaiser(11, 2), normalized: the book's window. */
    @Test void windowIsNumpysKaiser() {
        double[] w = Smooth.kaiser(11, 2);
        assertArrayEquals(new double[] {0.05244517, 0.07309418, 0.09177804, 0.1066608, 0.11624519, 0.11955325, 0.11624519, 0.1066608,
                0.09177804, 0.07309418, 0.05244517}, w, 1e-8);
    }

    /** The book's smooth_curve on x = i^1.5, i < 30, as numpy computes it. */
    @Test void curveIsTheBooksSmoothCurve() {
        double[] x = new double[30];
        for (int i = 0; i < 30; i++) x[i] = Math.pow(i, 1.5);
        double[] y = Smooth.curve(x);
        assertEquals(30, y.length);
        assertEquals(4.131856944838187, y[0], 1e-9);
        assertEquals(4.490413819888171, y[1], 1e-9);
        assertEquals(5.5544081922213415, y[2], 1e-9);
        assertEquals(136.18273248276154, y[27], 1e-9);
        assertEquals(139.6306923216094, y[28], 1e-9);
        assertEquals(141.40754026551753, y[29], 1e-9);
    }
}
