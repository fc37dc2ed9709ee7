package groundup.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuGetErrorString;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The host stand-in's race detector (race.cpp) on the deliberately racy kernels of
 * src/test/native/standin/race_kernels.cu: each race is reported by the synchronization after
 * the launch, naming the kernel, both threads and the buffer element; the clean versions of the
 * same kernels are not reported and compute the right values. Stand-in only: on a GPU these
 * races are silent (compute-sanitizer's racecheck is the tool there). No kernel is launched here
 * with one grid, block and buffer size more than twice: the stand-in checks the first two such
 * launches unless GROUNDUP_STANDIN_RACECHECK says otherwise.
 */
@Tag("cuda-device")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StandInRaceTest {
    private static final Path PTX = Path.of("src/test/native/standin/race_kernels.ptx");
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUmodule module = new CUmodule();
    private final List<CUdeviceptr> buffers = new ArrayList<>();
    private boolean retained, loaded;

    @BeforeAll void open() throws IOException {
        String cannot = HostStandIn.installIfNoDriver();
        assumeTrue(cannot == null && HostStandIn.active(), "the race detector is the host stand-in's; not active here");
        assumeTrue(!"0".equals(System.getenv("GROUNDUP_STANDIN_RACECHECK")), "GROUNDUP_STANDIN_RACECHECK=0 turns the race detector off");
        ok(cuInit(0), "cuInit");
        ok(cuDeviceGet(device, 0), "cuDeviceGet");
        ok(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        retained = true;
        ok(cuCtxSetCurrent(context), "cuCtxSetCurrent");
        byte[] text = Files.readAllBytes(PTX);
        ok(cuModuleLoadData(module, Arrays.copyOf(text, text.length + 1)), "cuModuleLoadData (race_kernels.ptx)");
        loaded = true;
    }

    @AfterEach void freeBuffers() {
        for (CUdeviceptr p : buffers) ok(cuMemFree(p), "cuMemFree");
        buffers.clear();
    }

    @AfterAll void close() {
        if (loaded) ok(cuModuleUnload(module), "cuModuleUnload");
        if (retained) ok(cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease");
    }

    private static void ok(int r, String what) {
        assertEquals(CUresult.CUDA_SUCCESS, r, what + ": " + CUresult.stringFor(r));
    }

    private CUdeviceptr upload(float... v) {
        CUdeviceptr p = new CUdeviceptr();
        ok(cuMemAlloc(p, (long) v.length * Sizeof.FLOAT), "cuMemAlloc");
        buffers.add(p);
        ok(cuMemcpyHtoDAsync(p, Pointer.to(v), (long) v.length * Sizeof.FLOAT, null), "cuMemcpyHtoDAsync");
        return p;
    }

    private static float[] download(CUdeviceptr p, int n) {
        float[] v = new float[n];
        ok(cuMemcpyDtoHAsync(Pointer.to(v), p, (long) n * Sizeof.FLOAT, null), "cuMemcpyDtoHAsync");
        return v;
    }

    private void launch(String kernel, int grid, int block, Pointer... args) {
        CUfunction f = new CUfunction();
        ok(cuModuleGetFunction(f, module, kernel), "cuModuleGetFunction(" + kernel + ")");
        ok(cuLaunchKernel(f, grid, 1, 1, block, 1, 1, 0, null, Pointer.to(args), null), "cuLaunchKernel(" + kernel + ")");
    }

    /** Launches kernel on grid blocks of block threads, then synchronizes: "" if that succeeded, else the stand-in's report. */
    private String run(String kernel, int grid, int block, Pointer... args) {
        launch(kernel, grid, block, args);
        int r = cuCtxSynchronize();
        if (r == CUresult.CUDA_SUCCESS) return "";
        assertEquals(CUresult.CUDA_ERROR_LAUNCH_FAILED, r, kernel + ": a race is a launch failure, not " + CUresult.stringFor(r));
        String[] text = new String[1];
        ok(cuGetErrorString(r, text), "cuGetErrorString");
        return text[0];
    }

    private static Pointer ptr(CUdeviceptr p) { return Pointer.to(p); }

    private static Pointer i32(int v) { return Pointer.to(new int[] {v}); }

    private static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i % 7;
        return v;
    }

    private static void reported(String report, String... parts) {
        for (String part : parts) assertTrue(report.contains(part), "the report names " + part + ": " + report);
    }

    @Test void aPlainAddFromManyThreadsToOneAddressIsARace() {
        CUdeviceptr x = upload(ramp(256)), out = upload(0f);
        String report = run("race_sum_plain", 2, 64, ptr(x), ptr(out), i32(256));
        // thread 0 reads and writes out[0]; thread 1 then reads it in the same block and phase
        reported(report, "race in kernel race_sum_plain", "a plain read by thread (1,0,0) of block (0,0,0)",
                "a plain write by thread (0,0,0) of block (0,0,0)", "the same block with no __syncthreads", "out[0]");
    }

    @Test void theSameSumWithAtomicAddIsClean() {
        float[] v = ramp(256);
        CUdeviceptr x = upload(v), out = upload(0f);
        assertEquals("", run("race_sum_atomic", 2, 64, ptr(x), ptr(out), i32(256)));
        float sum = 0;
        for (float f : v) sum += f;
        assertEquals(sum, download(out, 1)[0]);
    }

    @Test void writesToOneAddressFromTwoBlocksAreARace() {
        CUdeviceptr out = upload(new float[4]);
        String report = run("race_cross_block", 3, 32, ptr(out));
        reported(report, "race in kernel race_cross_block", "a plain write by thread (0,0,0) of block (1,0,0)",
                "a plain write by thread (0,0,0) of block (0,0,0)", "different blocks",
                "at out[3] (argument 0 + 12 bytes, a 4-byte access, in a 16-byte allocation)");
    }

    @Test void oneElementPerBlockAndSharedReadsAreClean() {
        CUdeviceptr x = upload(5f), out = upload(new float[3]);
        assertEquals("", run("race_per_block", 3, 32, ptr(x), ptr(out)));
        assertArrayEquals(new float[] {5, 6, 7}, download(out, 3));
    }

    @Test void aReductionMissingItsBarrierIsARace() {
        CUdeviceptr x = upload(ramp(128)), out = upload(new float[2]);
        String report = run("race_reduce_no_barrier", 2, 64, ptr(x), ptr(out));
        // which thread is caught first depends on the order the phase runs its threads; either way a
        // write of one thread's slot and the read of it by the thread 32 below, in shared memory
        reported(report, "race in kernel race_reduce_no_barrier", "at __shared__ race_reduce_no_barrier::sh[",
                "the same block with no __syncthreads", "of block (0,0,0)");
        assertTrue(report.contains("a plain write") && report.contains("a plain read"), report);
    }

    @Test void theReductionWithItsBarrierIsClean() {
        float[] v = ramp(128);
        CUdeviceptr x = upload(v), out = upload(new float[2]);
        for (int launch = 0; launch < 2; launch++) {          // the stand-in runs phases ascending, then descending
            assertEquals("", run("race_reduce", 2, 64, ptr(x), ptr(out)), "launch " + launch);
            float[] sums = download(out, 2);
            for (int b = 0; b < 2; b++) {
                float s = 0;
                for (int i = 0; i < 64; i++) s += v[b * 64 + i];
                assertEquals(s, sums[b], "block " + b);
            }
        }
    }

    @Test void anAtomicAndAPlainStoreToOneAddressAreARace() {
        CUdeviceptr out = upload(0f);
        String report = run("race_atomic_and_store", 1, 32, ptr(out));
        reported(report, "race in kernel race_atomic_and_store", "an atomic by thread (1,0,0)", "a plain write by thread (0,0,0)", "out[0]");
    }

    /** A race fails the synchronization after it once; unlike a memory fault it is not sticky. */
    @Test void aRaceIsReportedOnceAndTheContextStaysUsable() {
        CUdeviceptr out = upload(new float[4]);
        assertTrue(run("race_cross_block", 2, 1, ptr(out)).contains("race_cross_block"));
        ok(cuCtxSynchronize(), "the synchronization after the reported one");
        assertEquals("", run("race_per_block", 2, 1, ptr(upload(1f)), ptr(out)));
    }

    /** The backend's own status check says what the stand-in found, not only the code. */
    @Test void theBackendsErrorNamesTheRace() {
        CUdeviceptr out = upload(new float[4]);
        launch("race_cross_block", 4, 8, ptr(out));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CudaStatus.check(cuCtxSynchronize(), "cuCtxSynchronize"));
        assertTrue(e.getMessage().startsWith("CUDA cuCtxSynchronize failed: CUDA_ERROR_LAUNCH_FAILED (race in kernel race_cross_block: "),
                e.getMessage());
    }
}
