package groundup.backend;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Discovery in core alone, where no backend module is on the class path. */
class BackendsTest {
    @Test void aNamedBackendThatIsMissingIsAnErrorThatSaysWhy() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.create("cuda"));
        assertTrue(e.getMessage().contains("CUDA backend module") && e.getMessage().contains("not on the class path"), e.getMessage());
        e = assertThrows(BackendUnavailableException.class, () -> Backends.create("tpu"));
        assertTrue(e.getMessage().contains("'tpu' is not known"), e.getMessage());
    }

    @Test void autoWithNoBackendAtAllSaysSo() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.create("auto"));
        assertTrue(e.getMessage().contains("no backend module on the class path"), e.getMessage());
    }
}
