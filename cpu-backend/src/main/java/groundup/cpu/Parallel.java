package groundup.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPU backend's threads: {@code groundup.threads} of them, the calling thread and
 * threads-1 workers started once. A parallel loop splits an index range into at most one
 * chunk per thread. The chunks are claimed, not assigned: the caller and the woken workers
 * each take the next unclaimed chunk until none is left, and the caller waits for the rest.
 * Ranges smaller than a grain run inline.
 *
 * <p>Why claimed: on a shared VM a vCPU can be descheduled for milliseconds (the hypervisor's
 * "steal" time), and a parked worker takes tens of microseconds to wake. With one chunk fixed
 * per thread the caller then waited for a worker that had not started; now it runs that chunk
 * itself.
 *
 * <p>Why not a ForkJoinPool: joining a pool task from a thread outside the pool allocates a
 * wait node each time (about 8 KB per SimpleConvNet training step in all), and a training
 * step should allocate nothing. Here a loop allocates nothing: the job lives in fields, a
 * worker learns of it through its volatile generation counter, and the caller learns of the
 * end through one atomic counter. Waiting threads spin briefly (kernels come back to back
 * within a step), then park.
 */
final class Parallel implements AutoCloseable {

    /** The body of a parallel loop over [lo, hi). */
    @FunctionalInterface
    interface Range {
        void run(int lo, int hi);
    }

    /**
     * The operands of a loop whose body captures nothing ({@link Body}): set them, then
     * {@link #forRange(int, int, Body, Operands)}. Why: a lambda that captures its arrays is a new
     * object at every call, and a training step should allocate nothing; a body that captures
     * nothing is one object, made once, and reads its operands from here. Fill and run under
     * {@code synchronized (operands)}, so that two threads sharing a backend take turns. A body
     * must not call an op that fills the same operands: on a worker it would wait for the lock
     * its caller holds, on the caller it would overwrite the operands the workers are reading.
     */
    static final class Operands {
        float[] a, b, c, d;
        double[] sums;
        Object x, y;
        float alpha, beta;
        long seed, step;
        int i, j, k, l, m;

        /** Drops the arrays and objects, so that a finished loop keeps nothing alive. */
        void clear() {
            a = b = c = d = null;
            sums = null;
            x = y = null;
        }
    }

    /** The body of a parallel loop over [lo, hi) that reads its operands from o and captures nothing. */
    @FunctionalInterface
    interface Body {
        void run(Operands o, int lo, int hi);
    }

    /** How long a waiting thread spins before it parks. */
    private static final long SPIN_NANOS = 20_000;

    private final int threads;
    private final Worker[] workers;
    private final AtomicInteger pending = new AtomicInteger();     // chunks of the current job not yet finished
    // the current job in one word: its generation (bits 32-63), its chunk count (16-31) and its next
    // unclaimed chunk (0-15). A worker that wakes after its job is over finds another generation or
    // no chunk left, even while the caller is writing the next job's fields, so it claims nothing.
    private final AtomicLong claims = new AtomicLong();
    private volatile Throwable failure;
    private volatile boolean closed;
    // the current job: written by the caller before it publishes a generation, read by workers after
    private Range body;
    private Body withOperands;                 // the current job where it came with operands, run through bound
    private Operands operands;
    private final Range bound = (lo, hi) -> withOperands.run(operands, lo, hi);
    private int n, chunk;
    private Thread caller;
    private long generation;

    Parallel(int threads) {
        if (threads < 1 || threads > 0xffff) throw new IllegalArgumentException("threads " + threads + " must be 1 to 65535");
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    int threads() { return threads; }

    /** Runs body over [0, n) with operands o, in chunks of at least {@code grain} indices; allocates nothing. */
    void forRange(int n, int grain, Body body, Operands o) {
        int chunks = Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || Thread.currentThread() instanceof Worker) {    // small, or nested inside a chunk: inline
            if (n > 0) body.run(o, 0, n);
            return;
        }
        synchronized (this) {
            if (this.body != null) {           // nested in the caller's own chunk: inline
                body.run(o, 0, n);
                return;
            }
            withOperands = body;
            operands = o;
            try {
                forRange(n, grain, bound);
            } finally {
                withOperands = null;
                operands = null;
            }
        }
    }

    /** Runs body over [0, n) in chunks of at least {@code grain} indices. */
    void forRange(int n, int grain, Range body) {
        int chunks = Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || Thread.currentThread() instanceof Worker) {    // small, or nested inside a chunk: inline
            if (n > 0) body.run(0, n);
            return;
        }
        synchronized (this) {                  // one job at a time, should two threads share a backend
            if (this.body != null) {           // nested in the caller's own chunk: inline
                body.run(0, n);
                return;
            }
            int chunk = (n + chunks - 1) / chunks, used = (n + chunk - 1) / chunk;
            this.body = body;
            this.n = n;
            this.chunk = chunk;
            this.caller = Thread.currentThread();
            this.failure = null;
            pending.set(used);
            generation++;
            claims.set(generation << 32 | (long) used << 16);
            for (int w = 0; w < used - 1; w++) workers[w].post(generation);
            try {
                runChunks(generation);
            } finally {
                awaitWorkers();
                this.body = null;
            }
            Throwable f = failure;
            if (f instanceof RuntimeException r) throw r;
            if (f instanceof Error e) throw e;
            if (f != null) throw new IllegalStateException(f);
        }
    }

    /** Claims and runs chunks of job gen until none is left (or the job is another's). */
    private void runChunks(long gen) {
        for (int c; (c = claim(gen)) >= 0; ) {
            try {
                body.run(c * chunk, Math.min(n, (c + 1) * chunk));
            } catch (Throwable t) {
                failure = t;
            } finally {
                if (pending.decrementAndGet() == 0 && Thread.currentThread() != caller) LockSupport.unpark(caller);
            }
        }
    }

    /** The next unclaimed chunk of job gen, or -1 where none is left or gen is over. */
    private int claim(long gen) {
        while (true) {
            long v = claims.get();
            int c = (int) (v & 0xffff);
            if (v >>> 32 != (gen & 0xffffffffL) || c >= (int) (v >>> 16 & 0xffff)) return -1;
            if (claims.compareAndSet(v, v + 1)) return c;
        }
    }

    private void awaitWorkers() {
        long start = System.nanoTime();
        while (pending.get() > 0) {
            if (System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
            else LockSupport.park(this);
        }
    }

    /** A worker claims and runs chunks of each job posted to it. */
    private final class Worker extends Thread {
        private volatile long posted;
        private long done;

        Worker(int index) {
            super("groundup-cpu-" + index);
            setDaemon(true);
        }

        void post(long gen) {
            posted = gen;
            LockSupport.unpark(this);
        }

        @Override public void run() {
            while (true) {
                long start = System.nanoTime();
                while (posted == done) {
                    if (closed) return;
                    if (System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
                    else LockSupport.park(this);
                }
                done = posted;
                runChunks(done);
            }
        }
    }

    @Override public void close() {
        closed = true;
        for (Worker w : workers) LockSupport.unpark(w);
        for (Worker w : workers) {
            try {
                w.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
