package groundup.backend;

/**
 * The {@link DeviceTimer} of a backend without events: each mark waits for the device
 * ({@link Backend#synchronize}) and reads {@link System#nanoTime}. On the CPU, whose ops are
 * calls that return when done, the wait costs nothing; elsewhere it separates the spans
 * it times, so a profile with it shows no overlap between them.
 */
public final class HostClockTimer implements DeviceTimer {
    private final Backend b;
    private long startNs, stopNs;
    private boolean started, stopped;       // a span needs both marks, as an event needs recording

    public HostClockTimer(Backend b) { this.b = b; }

    @Override public void start() {
        b.synchronize();
        startNs = System.nanoTime();
        started = true;
        stopped = false;
    }

    @Override public void stop() {
        b.synchronize();
        if (!started) throw new IllegalStateException("timer stopped before it was started");
        stopNs = System.nanoTime();
        stopped = true;
    }

    @Override public double elapsedMs() {
        if (!stopped) throw new IllegalStateException("no span timed yet: start() and stop() first");
        return (stopNs - startNs) / 1e6;
    }

    @Override public String method() { return "host clock after synchronize()"; }

    @Override public void close() { }
}
