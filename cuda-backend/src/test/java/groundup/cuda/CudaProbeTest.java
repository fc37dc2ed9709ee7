package groundup.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import groundup.backend.Backend;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import jcuda.driver.CUmodule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What the CUDA probe reports: the cuBLAS version nodes it checked, a driver too old for the
 * cuBLAS found, a device that loads but does not work, and a module the JIT refuses, with its
 * log. The cases that need a driver or device unlike this one run on the host stand-in in a JVM
 * of their own, posing as that machine (GROUNDUP_STANDIN_DRIVER_VERSION, _DEVICE_BYTES).
 */
@Tag("cuda-device")
class CudaProbeTest {
    @BeforeAll static void needsCuda() {
        String cannot = Gpu.cannotRun();
        assumeTrue(cannot == null, cannot);
    }

    /** The child's availability on the stand-in, with these environment variables. */
    private static Map<String, String> probeOnStandIn(Map<String, String> env) throws Exception {
        assumeTrue(HostStandIn.active(), "poses as another machine through the host stand-in");
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("LD_LIBRARY_PATH", HostStandIn.DIR.toString());      // where the child's loader finds libcuda.so.1
        String out = ChildJvm.run(all, List.of("-Dgroundup.cuda.standin=off", "-Dgroundup.cuda.libpath=" + HostStandIn.DIR),
                PrintAvailability.class);
        Map<String, String> r = new java.util.HashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (line.startsWith("available=") || line.startsWith("reason=")) r.put(line.substring(0, eq), line.substring(eq + 1));
        }
        assertTrue(r.containsKey("available"), out);
        return r;
    }

    @Test void availabilityNamesTheCublasVersionAndItsVersionNodes() {
        String reason = new CudaBackendProvider().availability().reason();
        assertTrue(reason.contains("version nodes libcublas.so.") || reason.contains("(unversioned)"), reason);
        if (HostStandIn.active()) {
            assertTrue(reason.contains("cuBLAS 13.0.0 from " + HostStandIn.DIR + " (version nodes libcublas.so.13)"), reason);
            assertTrue(reason.contains("driver for CUDA 13.0 (" + HostStandIn.DIR.resolve("libcuda.so.1") + ")"), reason);
        }
    }

    @Test void theStandInPosingAsThisMachineIsAvailable() throws Exception {
        Map<String, String> r = probeOnStandIn(Map.of());
        assertEquals("true", r.get("available"), r.get("reason"));
    }

    @Test void aDriverTooOldForTheCublasFoundIsSaidSoWithBothVersionsAndPaths() throws Exception {
        Map<String, String> r = probeOnStandIn(Map.of("GROUNDUP_STANDIN_DRIVER_VERSION", "12080"));
        String reason = r.get("reason");
        assertEquals("false", r.get("available"), reason);
        assertTrue(reason.startsWith("the NVIDIA driver is too old for the cuBLAS found"), reason);
        assertTrue(reason.contains("(" + HostStandIn.DIR.resolve("libcuda.so.1") + ") supports CUDA 12.8"), reason);
        assertTrue(reason.contains("cuBLAS 13.0.0 (" + HostStandIn.DIR.resolve("libcublas.so.13").toRealPath() + ") needs a driver for CUDA 13.0"), reason);
    }

    /** Present is not usable: the probe makes a context, a handle and device memory, and runs a GEMM; here the memory fails. */
    @Test void availabilityMeansUsable() throws Exception {
        Map<String, String> r = probeOnStandIn(Map.of("GROUNDUP_STANDIN_DEVICE_BYTES", "32"));
        String reason = r.get("reason");
        assertEquals("false", r.get("available"), reason);
        assertTrue(reason.startsWith("CUDA loads but does not work here") && reason.contains("cuMemAlloc(48 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY"),
                reason);
    }

    @Test void aModuleTheDriverRefusesShowsTheJitErrorLog() {
        try (Backend b = Gpu.backendOrSkip()) {             // makes its context current on this thread
            byte[] notPtx = "this is not PTX\0".getBytes(StandardCharsets.US_ASCII);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> CudaKernels.load(new CUmodule(), notPtx, "broken.ptx"));
            String m = e.getMessage();
            assertTrue(m.startsWith("CUDA cuModuleLoadDataEx (broken.ptx) failed: ") && m.contains("; the JIT's error log:\n"), m);
            assertTrue(m.substring(m.indexOf("error log:\n") + 11).strip().length() > 0, "the log itself: " + m);
            if (HostStandIn.active()) assertTrue(m.endsWith("cuda-standin: error : no .entry in the image"), m);
        }
    }
}
