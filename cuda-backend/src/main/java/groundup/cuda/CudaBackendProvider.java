package groundup.cuda;

import groundup.backend.Backend;
import groundup.backend.BackendProvider;
import java.util.Locale;

/**
 * Registers the CUDA backend. {@link #availability()} probes, in order: the platform, the
 * NVIDIA driver (libcuda.so.1), a device, the driver's CUDA version (12.0+: our PTX is ISA
 * 8.0), the device's compute capability (7.5+), cuBLAS 12 or 13 defining the symbol version
 * JCuda's binding asks for, that binding, a driver new enough for that cuBLAS, and that all of
 * it works (a context, our kernels, a cuBLAS handle and one small GEMM: {@link UsabilityProbe});
 * the first missing piece is the reason. The probe runs once per JVM, on first request.
 */
public final class CudaBackendProvider implements BackendProvider {
    private static Availability cached;

    @Override public String name() { return "cuda"; }

    @Override public int priority() { return 100; }

    @Override public synchronized Availability availability() {
        if (cached == null) cached = probe();
        return cached;
    }

    private static Availability probe() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT), arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return Availability.no("GroundUp bundles JCuda's natives for Linux x86-64 only; this is " + os + "/" + arch);
        }
        try {
            return Availability.yes(CudaDevice.info().toString());
        } catch (IllegalStateException e) {
            return Availability.no(e.getMessage());
        }
    }

    @Override public Backend create() {
        Availability a = availability();
        if (!a.available()) throw new groundup.backend.BackendUnavailableException("backend 'cuda' cannot load: " + a.reason());
        return new CudaBackend();
    }
}
