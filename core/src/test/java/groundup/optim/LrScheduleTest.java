package groundup.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LrScheduleTest {
    @Test void constantIsTheBaseRateAtEveryStep() {
        for (long t : new long[] {1, 2, 999, 100_000}) assertEquals(0.01f, LrSchedule.CONSTANT.rate(0.01f, t, 10));
    }

    @Test void cosineFallsFromTheBaseRateThroughHalfToNearZero() {
        float base = 0.002f;
        int total = 1000;
        assertEquals(base, LrSchedule.COSINE.rate(base, 1, total), 0f);
        assertEquals(base / 2, LrSchedule.COSINE.rate(base, total / 2 + 1, total), 1e-9f);   // progress exactly 1/2
        float last = LrSchedule.COSINE.rate(base, total, total);
        // (1 + cos(pi * 999/1000)) / 2 = sin^2(pi/2000) ~ 2.47e-6
        assertEquals(base * Math.pow(Math.sin(Math.PI / 2000), 2), last, 1e-12);
        assertTrue(last > 0, "the last step still moves");
        assertEquals(last, LrSchedule.COSINE.rate(base, total + 50, total), "past the end the last rate holds");
        float prev = Float.POSITIVE_INFINITY;
        for (int t = 1; t <= total; t++) {
            float r = LrSchedule.COSINE.rate(base, t, total);
            assertTrue(r <= prev, "non-increasing at step " + t);
            prev = r;
        }
    }

    @Test void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.COSINE.rate(0.1f, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.COSINE.rate(0.1f, 1, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LrSchedule.parse("linear"));
        assertTrue(e.getMessage().contains("linear") && e.getMessage().contains("cosine"), e.getMessage());
        assertEquals(LrSchedule.COSINE, LrSchedule.parse(" Cosine "));
    }
}
