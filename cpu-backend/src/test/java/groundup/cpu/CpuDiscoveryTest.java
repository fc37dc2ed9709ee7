package groundup.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import groundup.backend.Backend;
import groundup.backend.Backends;
import org.junit.jupiter.api.Test;

/** The CPU backend is found through ServiceLoader by name and under auto, and groundup.threads is checked. */
class CpuDiscoveryTest {
    @Test void cpuByNameAndUnderAuto() {
        try (Backend b = Backends.create("cpu")) { assertEquals("cpu", b.name()); }
        try (Backend b = Backends.create("auto")) { assertEquals("cpu", b.name()); }
    }

    @Test void aBadThreadCountIsRefused() {
        String old = System.getProperty(CpuBackendProvider.THREADS_PROPERTY);
        System.setProperty(CpuBackendProvider.THREADS_PROPERTY, "zero");
        try {
            assertThrows(IllegalArgumentException.class, CpuBackendProvider::threads);
        } finally {
            if (old == null) System.clearProperty(CpuBackendProvider.THREADS_PROPERTY); else System.setProperty(CpuBackendProvider.THREADS_PROPERTY, old);
        }
    }
}
