package groundup.backend;

/**
 * Times one span of the work issued to a backend, as the device ran it: {@link #start} before
 * the span's ops are issued, {@link #stop} after, {@link #elapsedMs} once the span is wanted. A
 * backend with events (CUDA) records them on its stream, so marking waits for nothing and the
 * time is the device's, not the host's issuing; a backend without them waits for the device at
 * each mark and reads the host clock ({@link HostClockTimer}). One timer may be started and
 * stopped again and again (one span per training step, say).
 */
public interface DeviceTimer extends AutoCloseable {

    /** Marks the start of the span: the work issued after this call. */
    void start();

    /** Marks the end of the span: the work issued before this call. */
    void stop();

    /**
     * Milliseconds from the last start to the last stop as the device ran them; waits for the
     * stop. Before a start and a stop: an exception (IllegalStateException; on CUDA the driver's
     * invalid handle).
     */
    double elapsedMs();

    /** How it times, for a report: "CUDA events on the backend's stream", "host clock after synchronize()". */
    String method();

    @Override void close();
}
