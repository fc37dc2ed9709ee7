package groundup.cpu;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The OpenMP thread count of the calling thread's next parallel region, in the libgomp oneDNN
 * loaded (bytedeco bundles its own): what makes one oneDNN primitive for one thread
 * ({@link #alone}; oneDNN fixes a primitive's thread count when it makes it) while the others
 * keep the backend's threads.
 *
 * <p>Why: oneDNN 3.8.1's AMX weight gradient of DeepConvNet's conv6 (64 channels on an 8x8 map)
 * took 0.74 ms a call on 2 threads and 0.94 on one on a quiet 2-vCPU Xeon, but beside another
 * busy process up to 800 ms on 2 threads (its threads wait for each other; 2026-12-06), and
 * never over 2 ms on one.
 */
final class OpenMpThreads {
    interface Gomp extends Library {
        void omp_set_num_threads(int n);

        int omp_get_max_threads();
    }

    private static Gomp gomp;
    private static boolean looked;

    private OpenMpThreads() {}

    /** libgomp as loaded (found in /proc/self/maps after oneDNN loaded), or null where it cannot be reached. */
    private static synchronized Gomp gomp() {
        if (!looked) {
            looked = true;
            try {
                Dnnl.engine();
                String path = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                        .map(l -> l.substring(l.indexOf('/') < 0 ? l.length() : l.indexOf('/')))
                        .filter(p -> p.contains("/libgomp")).findFirst().orElse(null);
                if (path != null) gomp = Native.load(path, Gomp.class);
            } catch (Throwable e) {     // no JNA, no /proc: the primitive runs on the backend's threads
                gomp = null;
            }
        }
        return gomp;
    }

    /** Whether {@link #alone} can run a primitive on one thread here. */
    static boolean available() { return gomp() != null; }

    /** Runs body (a primitive's making) with the calling thread's OpenMP count at one, then gives back the count it had. */
    static void alone(Runnable body) {
        Gomp g = gomp();
        if (g == null) {
            body.run();
            return;
        }
        int was = g.omp_get_max_threads();
        g.omp_set_num_threads(1);
        try {
            body.run();
        } finally {
            g.omp_set_num_threads(was);
        }
    }

    /** The calling thread's count now (tests). */
    static int now() {
        Gomp g = gomp();
        return g == null ? -1 : g.omp_get_max_threads();
    }
}
