package groundup.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Picks a backend: the system property {@code groundup.backend}, else the environment
 * variable {@code GROUNDUP_BACKEND}, else {@code auto}. A backend named explicitly that
 * cannot load is an error carrying its reason; only {@code auto} falls back, and it logs
 * one line saying which backend it took and why.
 */
public final class Backends {
    public static final String PROPERTY = "groundup.backend";
    public static final String ENV = "GROUNDUP_BACKEND";
    private static final System.Logger LOG = System.getLogger("groundup.backend");

    private Backends() {}

    /** Every provider on the class path, highest priority first. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> all = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(all::add);
        all.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        return all;
    }

    /** The name requested by property or environment, "auto" when neither is set. */
    public static String requestedName() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) v = System.getenv(ENV);
        return v == null || v.isBlank() ? "auto" : v.trim().toLowerCase(Locale.ROOT);
    }

    /** The backend the configuration asks for. */
    public static Backend create() { return create(requestedName()); }

    /** "cpu", "cuda" or "auto". */
    public static Backend create(String name) {
        List<BackendProvider> all = providers();
        if (name.equals("auto")) {
            StringBuilder skipped = new StringBuilder();
            for (BackendProvider p : all) {
                BackendProvider.Availability a = p.availability();
                if (a.available()) {
                    if (all.stream().noneMatch(q -> q.name().equals("cuda"))) {
                        if (skipped.length() > 0) skipped.append("; ");
                        skipped.append("no CUDA backend module on the class path");
                    }
                    LOG.log(System.Logger.Level.INFO, "groundup.backend=auto: using '" + p.name() + "'"
                            + (skipped.length() > 0 ? " (" + skipped + ")" : ""));
                    return p.create();
                }
                if (skipped.length() > 0) skipped.append("; ");
                skipped.append(p.name()).append(" unavailable: ").append(a.reason());
            }
            throw new BackendUnavailableException("groundup.backend=auto: no backend can load"
                    + (all.isEmpty() ? " (no backend module on the class path)" : ": " + skipped));
        }
        for (BackendProvider p : all) {
            if (p.name().equals(name)) {
                BackendProvider.Availability a = p.availability();
                if (!a.available()) {
                    throw new BackendUnavailableException("backend '" + name + "' cannot load: " + a.reason());
                }
                return p.create();
            }
        }
        List<String> names = all.stream().map(BackendProvider::name).toList();
        if (name.equals("cuda")) {
            throw new BackendUnavailableException("backend 'cuda' cannot load: the CUDA backend module (groundup-cuda-backend)"
                    + " is not on the class path; available here: " + names);
        }
        throw new BackendUnavailableException("backend '" + name + "' is not known; on the class path: " + names
                + " (or 'auto')");
    }
}
