package groundup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules of {@link DivergenceGuard} on loss traces like those measured (see its doc): what stops, what must not. */
class DivergenceGuardTest {
    private static final double CHANCE = Math.log(10);

    /** Feeds each epoch's step losses to a guard; returns the exception, or null when every epoch passed. */
    private static TrainingDivergedException run(float[]... epochs) {
        DivergenceGuard g = new DivergenceGuard(CHANCE, 0.01f);
        long global = 0;
        try {
            for (int e = 0; e < epochs.length; e++) {
                for (int k = 0; k < epochs[e].length; k++) g.step(e + 1, k, epochs[e].length, ++global, epochs[e][k]);
                g.epochEnd(e + 1, epochs[e].length, epochs[e], List.of(), null);
            }
            return null;
        } catch (TrainingDivergedException x) {
            return x;
        }
    }

    /** steps values: the first ones given, the rest {@code rest}. */
    private static float[] trace(int steps, float rest, float... first) {
        float[] t = new float[steps];
        java.util.Arrays.fill(t, rest);
        System.arraycopy(first, 0, t, 0, first.length);
        return t;
    }

    @Test void aNaNOrInfiniteLossStopsAtItsStep() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            TrainingDivergedException x = run(trace(600, 0.5f), trace(600, 0.4f, 2.3f, 2.2f, 2.0f, bad));
            assertEquals(2, x.epoch());
            assertEquals(4, x.step());
            assertTrue(x.getMessage().contains("epoch 2, step 4 of 600 (global step 604)") && x.getMessage().contains("--lr"), x.getMessage());
        }
    }

    @Test void aBlowUpThatStaysAtOrAboveChanceStopsNamingWhereItBlewUp() {
        // SGD at lr 1000: 674.9 at step 2, then far above chance; lr 10: a peak of 35, then a network that predicts the classes' frequencies
        TrainingDivergedException x = run(trace(600, 455f, 2.30f, 674.9f, 1.1e7f));
        assertEquals(1, x.epoch());
        assertEquals(2, x.step());
        assertTrue(x.getMessage().contains("blew up to 674.9") && x.getMessage().contains("last 300 steps of epoch 1"), x.getMessage());
        x = run(trace(600, 2.301f, 2.30f, 3f, 34.7f));
        assertEquals(3, x.step(), "MNIST's class frequencies score 2.301: that is chance too");
        x = run(trace(600, 0.3f, 2.30f, 34.7f), trace(600, 2.33f));
        assertEquals(null, x, "recovered in epoch 1; a later slump without a new blow-up is a slow patch, not a divergence");
        x = run(trace(600, 2.5f), trace(600, 2.4f, 2.3f, 40f));
        assertEquals(2, x.epoch(), "a blow-up in epoch 2 of a run that had not yet learned: " + x);
    }

    @Test void healthyRunsOfTheBookDefaultsPass() {
        // SimpleConvNet, SGD at 0.01: two epochs at chance without a blow-up (2.301, 2.271), then learning
        assertEquals(null, run(trace(600, 2.3012f, 2.3026f, 2.3025f), trace(600, 2.2712f), trace(600, 0.999f)));
        // RMSprop at 0.01: its first steps blow up (86 to 595), and the epoch ends far below chance
        float[] rmsprop = trace(600, 0.45f, 2.43f, 418.9f, 48.4f, 2.57f, 2.22f);
        for (int k = 5; k < 300; k++) rmsprop[k] = 2.2f - k * 0.005f;
        assertEquals(null, run(rmsprop, trace(600, 0.2f)));
        // deep-cnn's He initialization starts above chance (4.6) and falls
        assertEquals(null, run(trace(600, 1.0f, 4.6f, 3.5f, 2.8f)));
    }

    @Test void aLossWithoutAChanceLevelIsHeldToFinitenessOnly() {
        DivergenceGuard g = new DivergenceGuard(Double.NaN, 0.1f);
        float[] huge = trace(10, 1e30f);
        for (int k = 0; k < 10; k++) g.step(1, k, 10, k + 1, huge[k]);
        g.epochEnd(1, 10, huge, List.of(), null);
        assertThrows(TrainingDivergedException.class, () -> g.step(2, 0, 10, 11, Float.NaN));
    }
}
