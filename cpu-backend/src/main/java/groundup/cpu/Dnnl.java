package groundup.cpu;

import org.bytedeco.dnnl.dnnl_version_t;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;

/**
 * oneDNN (bytedeco's {@code org.bytedeco:dnnl}, natives bundled): the CPU engine, made once per
 * process. oneDNN runs its primitives on its own OpenMP threads, as many as the process may use
 * unless {@code OMP_NUM_THREADS} says otherwise; our Java workers wait while it runs.
 */
final class Dnnl {
    private static engine engine;
    private static String description;
    private static Throwable failure;

    private Dnnl() {}

    /** The CPU engine; loads oneDNN on first use and throws, saying why, where it cannot. */
    static synchronized engine engine() {
        if (engine == null && failure == null) {
            try {
                engine = new engine(org.bytedeco.dnnl.engine.kind.cpu, 0);
                dnnl_version_t v = dnnl.dnnl_version();
                java.util.Map<String, String> env = NativeEnvironment.effective();
                String threads = env.get("OMP_NUM_THREADS");
                description = "oneDNN " + v.major() + "." + v.minor() + "." + v.patch() + " ("
                        + (threads == null ? Runtime.getRuntime().availableProcessors() + " OpenMP threads"
                                : "OMP_NUM_THREADS=" + threads) + spinWarning(env) + ")";
            } catch (Throwable e) {        // UnsatisfiedLinkError, NoClassDefFoundError, a dnnl error
                failure = e;
            }
        }
        if (failure != null) throw new IllegalStateException("oneDNN could not be loaded: " + failure, failure);
        return engine;
    }

    /**
     * A warning where libgomp's threads will spin after each oneDNN call (its default): they
     * then take the cores from the Java kernels that follow. libgomp reads its environment when
     * it loads; the CPU backend sets GOMP_SPINCOUNT before that ({@link NativeEnvironment}) unless
     * libgomp was loaded first.
     */
    static String spinWarning(java.util.Map<String, String> env) {
        if (env.containsKey("OMP_WAIT_POLICY") || env.containsKey("GOMP_SPINCOUNT")) return "";
        return "; WARNING: its threads spin after each call and slow the Java kernels: set GOMP_SPINCOUNT=1000"
                + " or OMP_WAIT_POLICY=passive before java starts";
    }

    /**
     * A warning where oneDNN's OpenMP threads (OMP_NUM_THREADS's first number, else every core)
     * are not the backend's {@code groundup.threads}: a user who asks for 4 threads on a 16-core
     * machine would otherwise get 16 in every wide convolution. libgomp reads its environment
     * when it loads; the first CPU backend sets OMP_NUM_THREADS to its thread count before that
     * where the user did not ({@link NativeEnvironment}), so this shows a user's other value, a
     * second backend of another count, or libgomp loaded first.
     */
    static String threadWarning(java.util.Map<String, String> env, int javaThreads, int cores) {
        int omp = cores;
        String v = env.get("OMP_NUM_THREADS");
        if (v != null) {
            try {
                omp = Integer.parseInt(v.split(",")[0].trim());
            } catch (NumberFormatException e) {
                return "; WARNING: OMP_NUM_THREADS=" + v + " is not a thread count";
            }
        }
        if (omp == javaThreads) return "";
        return "; WARNING: oneDNN runs " + omp + " OpenMP threads and groundup.threads is " + javaThreads
                + ": set OMP_NUM_THREADS=" + javaThreads + " before java starts";
    }

    /** Whether oneDNN loads here; the reason is in {@link #engine()}'s exception. */
    static boolean available() {
        try {
            engine();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** "" where oneDNN loads, else " (oneDNN could not be loaded: why)". */
    static String whyNot() {
        try {
            engine();
            return "";
        } catch (IllegalStateException e) {
            return " (" + e.getMessage() + ")";
        }
    }

    /**
     * The instructions oneDNN multiplies bf16 with here ("AMX", "AVX512-BF16", "AVX2-VNNI-2"), or
     * null where it has none (or oneDNN does not load): there its bf16 kernels would emulate,
     * slower than float32.
     */
    static String bf16Instructions() {
        if (!available()) return null;
        int isa = dnnl.dnnl_get_effective_cpu_isa();
        if (has(isa, dnnl.dnnl_cpu_isa_avx512_core_amx)) return "AMX";
        if (has(isa, dnnl.dnnl_cpu_isa_avx512_core_bf16)) return "AVX512-BF16";
        if (has(isa, dnnl.dnnl_cpu_isa_avx2_vnni_2)) return "AVX2-VNNI-2";
        return null;
    }

    /** oneDNN's ISA values are bit sets, each containing the ones it extends. */
    private static boolean has(int isa, int wanted) { return (isa & wanted) == wanted; }

    /** Its version and thread count, once loaded. */
    static synchronized String describe() {
        engine();
        return description;
    }
}
