package groundup.cuda;

import groundup.backend.BackendProvider;

/** Run by {@link CudaProbeTest} in a JVM of its own: prints what the CUDA provider's probe says. */
final class PrintAvailability {
    private PrintAvailability() {}

    public static void main(String[] args) {
        BackendProvider.Availability a = new CudaBackendProvider().availability();
        System.out.println("available=" + a.available());
        System.out.println("reason=" + a.reason());
    }
}
