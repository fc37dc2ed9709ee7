package groundup.cli;

import groundup.backend.Backend;
import groundup.backend.Backends;
import picocli.CommandLine.Option;

/** --backend, defaulting to the groundup.backend property / GROUNDUP_BACKEND / auto. */
final class BackendOption {
    @Option(names = "--backend", paramLabel = "cpu|cuda|auto",
            description = "Backend (default: -Dgroundup.backend, else $GROUNDUP_BACKEND, else auto).")
    String backend;

    /** The backend; one that is unknown or cannot load is a BackendUnavailableException saying why (exit 1). */
    Backend open() {
        return Backends.create(backend != null ? backend.trim().toLowerCase(java.util.Locale.ROOT) : Backends.requestedName());
    }
}
