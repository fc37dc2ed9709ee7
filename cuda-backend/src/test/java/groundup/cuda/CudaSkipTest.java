package groundup.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where neither a GPU nor the host stand-in is present, the CUDA suites skip, saying why; none
 * fails. Run in a JVM of its own with the stand-in off ({@code -Dgroundup.cuda.standin=off}) and
 * no libcuda.so.1 on its library path, so it needs no device here.
 */
class CudaSkipTest {
    @Test void cudaSuitesSkipWithTheReasonWhereNoCudaCanRun() throws Exception {
        assumeTrue(HostStandIn.realDriver() == null, "an NVIDIA driver is installed here: the suites would run, not skip");
        Map<String, String> env = new HashMap<>();
        env.put("LD_LIBRARY_PATH", null);
        String out = ChildJvm.run(env, List.of("-Dgroundup.cuda.standin=off"), RunSuites.class,
                CudaBackendPropertiesTest.class.getName(), CudaBackendContractTest.class.getName(), CudaLayerGradientTest.class.getName(),
                CudaPrecisionContractTest.class.getName());
        List<String> lines = out.lines().toList();
        assertFalse(lines.stream().anyMatch(l -> l.startsWith("failed ")), "none fails:\n" + out);
        // jqwik skips the property class (Gpu.SkipWithoutCuda); Jupiter's suites abort each test on the assumption
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("skipped CudaBackendPropertiesTest: ") && l.contains("no NVIDIA driver")), out);
        assertFalse(lines.stream().anyMatch(l -> l.matches("passed \\w+\\(.*\\)")), "no test method ran:\n" + out);
        assertTrue(lines.stream().filter(l -> l.startsWith("aborted ") && l.contains("no NVIDIA driver")).count() > 20, out);
    }
}
