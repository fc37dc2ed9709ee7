package groundup.cpu;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The C environment that OpenBLAS and libgomp (oneDNN's OpenMP runtime) read once, when they
 * load, set from inside the JVM before they do: so a program that uses the CPU backend as a
 * library runs as fast as {@code ./groundup}, with nothing set before {@code java} starts. A
 * variable the user set is left as it is. What is set, and why (docs/benchmarks.md has the
 * measurements):
 * <ul>
 * <li>{@code GOMP_SPINCOUNT=1000}, where neither it nor {@code OMP_WAIT_POLICY} is set: libgomp's
 *     threads otherwise spin after each oneDNN call and take the cores from the Java kernels that
 *     follow (DeepConvNet's train step 108.7 against 79.8 ms on 2 vCPUs);</li>
 * <li>{@code OMP_NUM_THREADS} = the backend's thread count ({@code groundup.threads}), where unset:
 *     oneDNN otherwise runs on every core whatever the backend was asked for;</li>
 * <li>{@code OPENBLAS_CORETYPE=Cooperlake} (with AVX-512 BF16) or {@code SkylakeX}, where the CPU
 *     has AVX-512 and it is unset: OpenBLAS's own detection has picked its AVX2 kernels, half the
 *     fp32 peak, on an AMD Zen 5.</li>
 * </ul>
 * Set with the C library's {@code setenv} (through JNA), which is what {@code getenv} in those
 * libraries reads; Java's {@link System#getenv} is a copy taken at start-up and does not change,
 * so {@link #effective} is what the natives see. A library already loaded when the first CPU
 * backend is made (another library of the program loaded it) has read its variables: none is
 * set for it, and {@link #describe} says so, as the backend's warnings do.
 *
 * <p>{@code setenv} is not safe against a {@code getenv} running at the same moment on another
 * thread (glibc may move the environment it grew): it runs once, when the first CPU backend is
 * made, best before the program starts threads of its own that read the environment natively.
 */
public final class NativeEnvironment {
    /** OpenBLAS's kernel families that use AVX-512 (its DYNAMIC_ARCH core names). */
    static final List<String> AVX512_CORES = List.of("SkylakeX", "Cooperlake", "SapphireRapids");

    private static Map<String, String> set;          // null until apply() ran
    private static String note = "";

    private NativeEnvironment() {}

    /** What libc's setenv and getenv are, to JNA. */
    public interface LibC extends Library {
        int setenv(String name, String value, int overwrite);

        String getenv(String name);
    }

    /**
     * The variables to set, in order, for a process whose environment is {@code env}, on a CPU
     * with these flags ({@code /proc/cpuinfo}'s; empty where unknown), for a backend of
     * {@code threads} threads. Nothing the user set is among them.
     */
    static Map<String, String> choose(Map<String, String> env, Set<String> cpuFlags, int threads) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!env.containsKey("GOMP_SPINCOUNT") && !env.containsKey("OMP_WAIT_POLICY")) out.put("GOMP_SPINCOUNT", "1000");
        if (!env.containsKey("OMP_NUM_THREADS")) out.put("OMP_NUM_THREADS", Integer.toString(threads));
        if (!env.containsKey("OPENBLAS_CORETYPE") && cpuFlags.containsAll(List.of("avx512f", "avx512bw", "avx512vl", "avx512dq"))) {
            out.put("OPENBLAS_CORETYPE", cpuFlags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX");
        }
        return out;
    }

    /**
     * Sets what {@link #choose} picks, once per process, before the CPU backend loads any native
     * library; later calls do nothing. Call it first in anything that loads OpenBLAS or oneDNN.
     */
    public static synchronized void apply(int threads) {
        if (set != null) return;
        set = Map.of();
        Map<String, String> wanted = choose(System.getenv(), cpuFlags(), threads);
        Set<String> loaded = loadedLibraries();
        List<String> late = wanted.keySet().stream().filter(k -> loaded.contains(library(k))).toList();
        wanted.keySet().removeAll(late);
        if (!late.isEmpty()) {
            note = late.stream().map(NativeEnvironment::library).distinct().sorted().collect(Collectors.joining(" and "))
                    + " loaded before the CPU backend, which could not set " + String.join(", ", late) + " for it";
        }
        if (wanted.isEmpty()) return;
        try {
            LibC c = Native.load("c", LibC.class);
            Map<String, String> done = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : wanted.entrySet()) {
                // overwrite 0: a value native code put there since Java started stays; what getenv reads is what the natives will
                if (c.setenv(e.getKey(), e.getValue(), 0) == 0) done.put(e.getKey(), c.getenv(e.getKey()));
            }
            set = done;
        } catch (Throwable e) {             // no JNA on the class path, its native part refused, another libjnidispatch: a speed-up lost, said so
            note = (note.isEmpty() ? "" : note + "; ") + "could not set " + String.join(", ", wanted.keySet()) + " (" + e + ")";
        }
    }

    /** The native library that reads a variable. */
    private static String library(String variable) {
        return variable.startsWith("OPENBLAS") ? "OpenBLAS" : "libgomp";
    }

    /** The environment the natives see: Java's copy of it at start-up, and what {@link #apply} set. */
    static Map<String, String> effective() {
        Map<String, String> env = new HashMap<>(System.getenv());
        synchronized (NativeEnvironment.class) {
            if (set != null) env.putAll(set);
        }
        return env;
    }

    /** "GroundUp set GOMP_SPINCOUNT=1000, OMP_NUM_THREADS=2", what could not be set and why, or "". */
    static synchronized String describe() {
        String s = set == null || set.isEmpty() ? ""
                : "set " + set.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
        if (note.isEmpty()) return s;
        return s.isEmpty() ? note : s + "; " + note;
    }

    /** Which of OpenBLAS and libgomp this process has loaded already ({@code /proc/self/maps}; none where unreadable). */
    private static Set<String> loadedLibraries() {
        try {
            String maps = Files.readString(Path.of("/proc/self/maps"));
            Set<String> out = new java.util.HashSet<>();
            if (maps.contains("/libopenblas")) out.add("OpenBLAS");
            if (maps.contains("/libgomp")) out.add("libgomp");
            return out;
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }

    /** The CPU's feature flags as Linux lists them; empty elsewhere. */
    static Set<String> cpuFlags() {
        try (java.util.stream.Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("flags")).findFirst()
                    .map(l -> (Set<String>) new java.util.HashSet<>(java.util.Arrays.asList(l.substring(l.indexOf(':') + 1).trim().split("\\s+"))))
                    .orElse(Set.of());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }
}
