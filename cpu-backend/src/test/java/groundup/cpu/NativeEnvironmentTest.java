package groundup.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Function;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import groundup.backend.Convolver;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend sets what OpenBLAS and libgomp read when they load, so a program that uses it
 * as a library gets the launcher's settings, and never overrides the user's.
 */
class NativeEnvironmentTest {
    private static final Set<String> AVX2 = Set.of("fma", "avx2"), AVX512 = Set.of("fma", "avx2", "avx512f", "avx512bw", "avx512vl", "avx512dq");

    @Test void choosesTheLaunchersSettingsWhereTheUserSetNone() {
        assertEquals(Map.of("GOMP_SPINCOUNT", "1000", "OMP_NUM_THREADS", "2"), NativeEnvironment.choose(Map.of(), AVX2, 2));
        assertEquals(Map.of("GOMP_SPINCOUNT", "1000", "OMP_NUM_THREADS", "4", "OPENBLAS_CORETYPE", "SkylakeX"),
                NativeEnvironment.choose(Map.of(), AVX512, 4));
        Set<String> bf16 = new java.util.HashSet<>(AVX512);
        bf16.add("avx512_bf16");
        assertEquals("Cooperlake", NativeEnvironment.choose(Map.of(), bf16, 1).get("OPENBLAS_CORETYPE"));
        assertEquals(Map.of("GOMP_SPINCOUNT", "1000", "OMP_NUM_THREADS", "3"), NativeEnvironment.choose(Map.of(), Set.of(), 3),
                "no /proc/cpuinfo: OpenBLAS keeps its own choice");
    }

    @Test void leavesEveryVariableTheUserSet() {
        assertEquals(Map.of(), NativeEnvironment.choose(Map.of("GOMP_SPINCOUNT", "0", "OMP_NUM_THREADS", "8", "OPENBLAS_CORETYPE", "Haswell"), AVX512, 2));
        assertEquals(Map.of("OMP_NUM_THREADS", "2"), NativeEnvironment.choose(Map.of("OMP_WAIT_POLICY", "passive"), AVX2, 2),
                "a wait policy is the user's choice of spinning too");
    }

    /**
     * A fresh JVM with none of the variables set and groundup.threads=1, as a library user's
     * program starts: after a CPU backend and a oneDNN convolution, the C environment holds the
     * settings, libgomp runs one thread (it read OMP_NUM_THREADS when it loaded, so the setting
     * came first), and describe() says what was set.
     */
    @Test void aLibraryUsersProgramGetsTheSettingsBeforeTheNativesLoad() throws Exception {
        Map<String, String> out = child(Map.of());
        assertEquals("1000", out.get("GOMP_SPINCOUNT"), out.toString());
        assertEquals("1", out.get("OMP_NUM_THREADS"), out.toString());
        assertEquals("1", out.get("omp_get_max_threads"), "libgomp read OMP_NUM_THREADS=1 when it loaded: " + out);
        assertEquals("1", out.get("libgomp_files"), "one libgomp in the process, oneDNN's: " + out);
        String core = NativeEnvironment.choose(Map.of(), NativeEnvironment.cpuFlags(), 1).get("OPENBLAS_CORETYPE");
        if (core != null) {
            assertEquals(core, out.get("OPENBLAS_CORETYPE"), out.toString());
            assertEquals(core, out.get("openblas_corename"), "OpenBLAS loaded after the setting: " + out);
        }
        assertTrue(out.get("describe").contains("native environment: set GOMP_SPINCOUNT=1000, OMP_NUM_THREADS=1"), out.get("describe"));
        assertTrue(!out.get("describe").contains("WARNING"), out.get("describe"));
    }

    /** Choosing oneDNN up front loads it while the backend is made: the settings come before that too. */
    @Test void oneDnnChosenUpFrontGetsTheSettingsToo() throws Exception {
        Map<String, String> out = child(Map.of(), List.of("-Dgroundup.cpu.convolution=dnnl"));
        assertEquals("1000", out.get("GOMP_SPINCOUNT"), out.toString());
        assertEquals("1", out.get("omp_get_max_threads"), "libgomp read OMP_NUM_THREADS=1 when it loaded: " + out);
        assertTrue(!out.get("describe").contains("loaded before"), out.get("describe"));
    }

    @Test void theUsersValuesStand() throws Exception {
        Map<String, String> out = child(Map.of("GOMP_SPINCOUNT", "7", "OMP_NUM_THREADS", "2", "OPENBLAS_CORETYPE", "Haswell"));
        assertEquals("7", out.get("GOMP_SPINCOUNT"), out.toString());
        assertEquals("2", out.get("omp_get_max_threads"), out.toString());
        assertEquals("Haswell", out.get("openblas_corename"), out.toString());
        assertTrue(!out.get("describe").contains("native environment"), out.get("describe"));
    }

    /** A program that loaded OpenBLAS and oneDNN itself before its first backend: nothing set, and describe() says why. */
    @Test void nativesLoadedBeforeTheBackendAreSaidSo() throws Exception {
        Map<String, String> out = child(Map.of(), "natives-first");
        assertEquals("null", out.get("GOMP_SPINCOUNT"), out.toString());
        String d = out.get("describe");
        assertTrue(d.contains("native environment: libgomp and OpenBLAS loaded before the CPU backend, which could not set GOMP_SPINCOUNT, OMP_NUM_THREADS")
                || d.contains("native environment: OpenBLAS and libgomp loaded before"), d);
        assertTrue(d.contains("WARNING: its threads spin after each call"), d);
    }

    /** Runs {@link Child} in a JVM whose environment has none of the variables but those given. */
    private static Map<String, String> child(Map<String, String> env, String... args) throws Exception {
        return child(env, List.of(), args);
    }

    private static Map<String, String> child(Map<String, String> env, List<String> properties, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dgroundup.threads=1"));
        cmd.addAll(properties);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        for (String v : List.of("GOMP_SPINCOUNT", "OMP_WAIT_POLICY", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE")) pb.environment().remove(v);
        pb.environment().putAll(env);
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child ran over 120 s: " + text);
        assertEquals(0, p.exitValue(), text);
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (line.startsWith("> ") && eq > 0) out.put(line.substring(2, eq), line.substring(eq + 1));
        }
        return out;
    }

    /** The library user's program: a backend, a convolution through oneDNN, then what the natives see. */
    static final class Child {
        public static void main(String[] args) throws Exception {
            if (args.length > 0) {                 // "natives-first": the program's own use of OpenBLAS and oneDNN comes first
                org.bytedeco.openblas.global.openblas_full.openblas_get_corename();
                new org.bytedeco.dnnl.engine(org.bytedeco.dnnl.engine.kind.cpu, 0).close();
            }
            CpuBackend b = (CpuBackend) new CpuBackendProvider().create();
            ConvGeometry g = new ConvGeometry(2, 16, 12, 12, 3, 3, 1, 1);
            try (Tensor x = b.allocate(Shape.of(2, 16, 12, 12)); Tensor w = b.allocate(Shape.of(16, 16 * 9)); Tensor bias = b.allocate(Shape.of(16));
                 Tensor y = b.allocate(Shape.of(2, 16, 12, 12)); Convolver c = new DnnlConvolver(b, new Parallel(1), new LayoutCounter(), true, g, 16)) {
                c.forward(x, w, bias, y);
            }
            NativeEnvironment.LibC libc = Native.load("c", NativeEnvironment.LibC.class);
            for (String v : List.of("GOMP_SPINCOUNT", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE")) System.out.println("> " + v + "=" + libc.getenv(v));
            Function threads = NativeLibrary.getInstance("libgomp.so.1").getFunction("omp_get_max_threads");
            System.out.println("> omp_get_max_threads=" + threads.invokeInt(new Object[0]));
            Set<String> gomps = new TreeSet<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) if (line.contains("/libgomp")) gomps.add(line.substring(line.indexOf('/')));
            System.out.println("> libgomp_files=" + gomps.size());
            System.out.println("> libgomp_paths=" + gomps);
            System.out.println("> openblas_corename=" + org.bytedeco.openblas.global.openblas_full.openblas_get_corename().getString());
            System.out.println("> describe=" + b.describe());
            b.close();
        }
    }
}
