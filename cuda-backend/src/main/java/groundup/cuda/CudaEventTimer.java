package groundup.cuda;

import static groundup.cuda.CudaStatus.check;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;

import groundup.backend.DeviceTimer;
import jcuda.driver.CUevent;
import jcuda.driver.CUstream;

/**
 * The CUDA backend's {@link DeviceTimer}: two events recorded on its stream, so marking a span
 * waits for nothing and the host's time spent issuing is not counted; only
 * {@link #elapsedMs} waits, for the stop event. The events time (flags 0, not
 * CU_EVENT_DISABLE_TIMING); the driver's resolution is about half a microsecond.
 */
final class CudaEventTimer implements DeviceTimer {
    private final CUstream stream;
    private final Runnable current;          // makes the backend's context current on this thread
    private final CUevent start = new CUevent(), stop = new CUevent();
    private boolean closed;

    CudaEventTimer(CUstream stream, Runnable current) {
        this.stream = stream;
        this.current = current;
        current.run();
        check(cuEventCreate(start, 0), "cuEventCreate (timer start)");
        try {
            check(cuEventCreate(stop, 0), "cuEventCreate (timer stop)");
        } catch (RuntimeException e) {
            cuEventDestroy(start);
            throw e;
        }
    }

    @Override public void start() {
        current.run();
        check(cuEventRecord(start, stream), "cuEventRecord (timer start)");
    }

    @Override public void stop() {
        current.run();
        check(cuEventRecord(stop, stream), "cuEventRecord (timer stop)");
    }

    @Override public double elapsedMs() {
        current.run();
        check(cuEventSynchronize(stop), "cuEventSynchronize (timer stop)");
        float[] ms = new float[1];
        check(cuEventElapsedTime(ms, start, stop), "cuEventElapsedTime");
        return ms[0];
    }

    @Override public String method() { return "CUDA events on the backend's stream (cuEventElapsedTime)"; }

    @Override public void close() {
        if (closed) return;
        closed = true;
        current.run();
        check(cuEventDestroy(start), "cuEventDestroy (timer start)");
        check(cuEventDestroy(stop), "cuEventDestroy (timer stop)");
    }
}
