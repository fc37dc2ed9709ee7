package groundup.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The CPU backend's parallel loop: every index once, nested loops, failures, two callers. */
@Timeout(60)
class ParallelTest {

    private static void coversEachIndexOnce(Parallel p, int n, int grain) {
        AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, n));
        p.forRange(n, grain, (lo, hi) -> {
            for (int i = lo; i < hi; i++) hits.incrementAndGet(i);
        });
        for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i + " of " + n + " (grain " + grain + ")");
    }

    @Test void everyIndexRunsExactlyOnce() {
        for (int threads : new int[] {1, 2, 3, 5}) {
            try (Parallel p = new Parallel(threads)) {
                for (int n : new int[] {0, 1, 2, 3, 4, 5, 7, 10, 99, 1000, 12345}) {
                    for (int grain : new int[] {1, 2, 3, 64, 100_000}) coversEachIndexOnce(p, n, grain);
                }
                for (int k = 0; k < 2000; k++) coversEachIndexOnce(p, 1 + k % 37, 1);   // many back-to-back jobs
            }
        }
    }

    /**
     * Jobs back to back, tiny and uneven, so that workers often wake after their job is over
     * (the caller claimed their chunks) or while the next one is being set up: no index may
     * run twice or be missed, and no chunk of one job may run with another's body.
     */
    @Test void lateWorkersClaimNothingOfTheNextJob() {
        for (int threads : new int[] {2, 3, 5}) {
            try (Parallel p = new Parallel(threads)) {
                java.util.Random r = new java.util.Random(threads);
                for (int job = 0; job < 20_000; job++) {
                    int n = 2 + r.nextInt(9), id = job;
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    int[] owner = new int[n];
                    p.forRange(n, 1, (lo, hi) -> {
                        for (int i = lo; i < hi; i++) {
                            hits.incrementAndGet(i);
                            owner[i] = id;
                        }
                        if (id % 7 == 0) Thread.onSpinWait();
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits.get(i), "job " + job + " of " + n + " on " + threads + " threads, index " + i);
                        assertEquals(job, owner[i], "job " + job + ", index " + i);
                    }
                }
            }
        }
    }

    @Test void aLoopInsideALoopRunsInline() {
        try (Parallel p = new Parallel(3)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(30 * 40);
            p.forRange(30, 1, (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    int row = i;
                    p.forRange(40, 1, (a, b) -> {
                        for (int j = a; j < b; j++) hits.incrementAndGet(row * 40 + j);
                    });
                }
            });
            for (int i = 0; i < hits.length(); i++) assertEquals(1, hits.get(i), "index " + i);
        }
    }

    @Test void aFailureInAnyChunkReachesTheCallerAndThePoolGoesOn() {
        try (Parallel p = new Parallel(3)) {
            for (int bad : new int[] {0, 50, 99}) {        // the caller's chunk, a worker's, the last one
                IllegalStateException boom = new IllegalStateException("boom at " + bad);
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.forRange(100, 1, (lo, hi) -> {
                    if (lo <= bad && bad < hi) throw boom;
                }));
                assertSame(boom, e);
                coversEachIndexOnce(p, 100, 1);
            }
        }
    }

    @Test void twoCallingThreadsTakeTurns() throws Exception {
        try (Parallel p = new Parallel(2)) {
            Throwable[] failed = new Throwable[1];
            Runnable work = () -> {
                try {
                    for (int k = 0; k < 500; k++) coversEachIndexOnce(p, 1000 + k, 16);
                } catch (Throwable t) {
                    failed[0] = t;
                }
            };
            Thread a = new Thread(work), b = new Thread(work);
            a.start();
            b.start();
            a.join();
            b.join();
            assertTrue(failed[0] == null, () -> "a caller failed: " + failed[0]);
        }
    }
}
