package groundup.backend;

/**
 * A backend module's entry in {@code META-INF/services/groundup.backend.BackendProvider}.
 * Implementations must be cheap to construct: probing and loading happen in
 * {@link #availability()} and {@link #create()}, never in static initializers.
 */
public interface BackendProvider {

    /** The name {@code groundup.backend} selects it by: "cpu", "cuda". */
    String name();

    /** Higher wins under {@code auto} (CUDA above CPU). */
    int priority();

    /** Whether {@link #create()} can succeed here, and if not, precisely why. */
    Availability availability();

    Backend create();

    /** Whether a backend can load, with the reason when it cannot. */
    record Availability(boolean available, String reason) {
        public static Availability yes(String detail) { return new Availability(true, detail); }

        public static Availability no(String reason) { return new Availability(false, reason); }
    }
}
