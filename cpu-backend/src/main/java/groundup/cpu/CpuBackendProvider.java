package groundup.cpu;

import groundup.backend.Backend;
import groundup.backend.BackendProvider;
import groundup.backend.BackendUnavailableException;
import java.util.List;

/** Registers the CPU backend. Threads: {@code groundup.threads}, default all cores. */
public final class CpuBackendProvider implements BackendProvider {
    public static final String THREADS_PROPERTY = "groundup.threads";
    /** The convolution paths {@link #create(String)} takes, as {@code groundup.cpu.convolution} does. */
    public static final List<String> CONVOLUTIONS = List.of("auto", "dnnl", "gemm", "im2col");

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

    /**
     * A setting that cannot be had (groundup.threads, groundup.cpu.convolution,
     * groundup.cpu.layouts, groundup.cpu.vector, oneDNN asked for and not loadable) is the backend failing to load,
     * saying why, not an internal error.
     */
    @Override public Backend create() { return create(System.getProperty("groundup.cpu.convolution")); }

    /**
     * A CPU backend of {@code groundup.threads} threads on the convolution path named (one of
     * {@link #CONVOLUTIONS}), whatever {@code groundup.cpu.convolution} says: what compares the
     * paths in one process. One that cannot be had is a BackendUnavailableException saying why.
     */
    public Backend create(String convolution) {
        try {
            return new CpuBackend(threads(), convolution);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new BackendUnavailableException("backend 'cpu' cannot load: " + e.getMessage(), e);
        }
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
