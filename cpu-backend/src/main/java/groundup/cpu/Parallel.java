package groundup.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;

/**
 * The CPU backend's thread pool: {@code groundup.threads} workers (default: all cores).
 * Kernels split an index range into at most one chunk per worker; ranges smaller than
 * a grain run inline on the calling thread, where a fork would cost more than it saves.
 */
final class Parallel implements AutoCloseable {

    /** The body of a parallel loop over [lo, hi). */
    @FunctionalInterface
    interface Range {
        void run(int lo, int hi);
    }

    private final int threads;
    private final ForkJoinPool pool;

    Parallel(int threads) {
        this.threads = threads;
        this.pool = threads > 1 ? new ForkJoinPool(threads, p -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("groundup-cpu-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false) : null;
    }

    int threads() { return threads; }

    /** Runs body over [0, n) in chunks of at least {@code grain} indices. */
    void forRange(int n, int grain, Range body) {
        int chunks = Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || pool == null || ForkJoinTask.getPool() == pool) {
            if (n > 0) body.run(0, n);
            return;
        }
        pool.invoke(new Split(body, 0, n, (n + chunks - 1) / chunks));
    }

    private static final class Split extends RecursiveAction {
        private final Range body;
        private final int lo, hi, chunk;

        Split(Range body, int lo, int hi, int chunk) {
            this.body = body;
            this.lo = lo;
            this.hi = hi;
            this.chunk = chunk;
        }

        @Override protected void compute() {
            if (hi - lo <= chunk) {
                body.run(lo, hi);
                return;
            }
            int mid = lo + chunk;
            Split rest = new Split(body, mid, hi, chunk);
            rest.fork();
            body.run(lo, mid);
            rest.join();
        }
    }

    @Override public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
