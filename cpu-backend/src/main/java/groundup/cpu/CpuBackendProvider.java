package groundup.cpu;

import groundup.backend.Backend;
import groundup.backend.BackendProvider;

/** Registers the CPU backend. Threads: {@code groundup.threads}, default all cores. */
public final class CpuBackendProvider implements BackendProvider {
    public static final String THREADS_PROPERTY = "groundup.threads";

    @Override public String name() { return "cpu"; }

    @Override public int priority() { return 0; }

    @Override public Availability availability() {
        try {
            Class.forName("org.bytedeco.openblas.global.openblas_full", false, getClass().getClassLoader());
            return Availability.yes("OpenBLAS classes present");
        } catch (ClassNotFoundException e) {
            return Availability.no("OpenBLAS (org.bytedeco:openblas) is not on the class path");
        }
    }

    @Override public Backend create() {
        return new CpuBackend(threads());
    }

    /** {@code groundup.threads}, or every core when unset. */
    public static int threads() {
        String v = System.getProperty(THREADS_PROPERTY);
        if (v == null || v.isBlank()) return Runtime.getRuntime().availableProcessors();
        try {
            int n = Integer.parseInt(v.trim());
            if (n > 0) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(THREADS_PROPERTY + "=" + v + ": expected a positive number of threads");
    }
}
