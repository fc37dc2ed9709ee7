package groundup.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.backend.Backend;
import groundup.backend.BackendProvider;
import groundup.backend.BackendUnavailableException;
import groundup.backend.Backends;
import org.junit.jupiter.api.Test;

/**
 * Runs everywhere: where the GPU is missing, asking for 'cuda' by name is an error with the
 * provider's specific reason and 'auto' falls back to the CPU; where it is present, both pick CUDA.
 */
class CudaAvailabilityTest {
    @Test void cudaByNameFailsWithTheReasonOrLoads() {
        BackendProvider.Availability a = new CudaBackendProvider().availability();
        assertFalse(a.reason() == null || a.reason().isBlank(), "a reason is always given");
        if (!a.available()) {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.create("cuda"));
            assertTrue(e.getMessage().contains(a.reason()), e.getMessage());
            try (Backend b = Backends.create("auto")) {
                assertEquals("cpu", b.name(), "auto falls back to the CPU");
            }
        } else {
            try (Backend b = Backends.create("auto")) {
                assertEquals("cuda", b.name(), "auto prefers CUDA");
            }
        }
    }
}
