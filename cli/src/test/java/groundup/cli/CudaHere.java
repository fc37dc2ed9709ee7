package groundup.cli;

import groundup.backend.BackendProvider;
import groundup.cuda.CudaBackendProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Test fixture: the CUDA backend for cli's tests, on the GPU where a driver is installed; else on
 * the host stand-in for the driver and cuBLAS that cuda-backend's tests build (in
 * ../cuda-backend/target/cuda-standin, so run after that module: `./mvnw -B verify` does). It
 * must run before anything touches JCuda in the JVM (surefire execution `cuda-device`, tag
 * "cuda-device"), since the stand-in is loaded in place of libcuda.so.1.
 */
final class CudaHere {
    static final Path STANDIN = Path.of("../cuda-backend/target/cuda-standin");

    private CudaHere() {}

    /** Null where the CUDA backend can be created here, else why not (the tests skip with it). */
    static synchronized String cannotRun() {
        // before the first probe: CudaDevice probes once per process
        if (!driverInstalled() && Files.isRegularFile(STANDIN.resolve("libcuda.so.1"))) {
            System.setProperty("groundup.cuda.libpath", STANDIN.toAbsolutePath().toString());
            System.load(STANDIN.resolve("libcuda.so.1").toAbsolutePath().toString());
        }
        BackendProvider.Availability a = new CudaBackendProvider().availability();
        return a.available() ? null : "no CUDA backend here (no GPU, and no stand-in in " + STANDIN + "; cuda-backend's tests build it): " + a.reason();
    }

    /** Whether the stand-in, not a GPU, is what the backend runs on. */
    static boolean onStandIn() { return !driverInstalled(); }

    /** An NVIDIA driver where the loader looks (LD_LIBRARY_PATH, the usual library folders). */
    private static boolean driverInstalled() {
        List<String> dirs = new java.util.ArrayList<>(List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu",
                "/lib64", "/usr/local/nvidia/lib64", "/usr/lib/wsl/lib"));
        String env = System.getenv("LD_LIBRARY_PATH");
        if (env != null) dirs.addAll(List.of(env.split(":")));
        return dirs.stream().anyMatch(d -> !d.isBlank() && Files.exists(Path.of(d, "libcuda.so.1")));
    }
}
