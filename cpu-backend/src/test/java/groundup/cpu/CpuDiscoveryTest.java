package groundup.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.backend.Backend;
import groundup.backend.BackendUnavailableException;
import groundup.backend.Backends;
import org.junit.jupiter.api.Test;

/** The CPU backend is found through ServiceLoader by name and under auto, and groundup.threads is checked. */
class CpuDiscoveryTest {
    @Test void cpuByNameAndUnderAuto() {
        try (Backend b = Backends.create("cpu")) { assertEquals("cpu", b.name()); }
        try (Backend b = Backends.create("auto")) { assertEquals("cpu", b.name()); }
    }

    /** A bad setting is the backend failing to load, saying which setting and why (the CLI reports it as such, not as an internal error). */
    @Test void aBadSettingIsABackendThatCannotLoad() {
        for (String[] bad : new String[][] {{"groundup.cpu.convolution", "fast", "auto, dnnl, gemm or im2col"},
                {CpuBackendProvider.THREADS_PROPERTY, "-3", "positive number of threads"}}) {
            String old = System.getProperty(bad[0]);
            System.setProperty(bad[0], bad[1]);
            try {
                BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.create("cpu").close());
                assertTrue(e.getMessage().contains(bad[0]) && e.getMessage().contains(bad[2]), e.getMessage());
            } finally {
                if (old == null) System.clearProperty(bad[0]); else System.setProperty(bad[0], old);
            }
        }
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

    /** Each convolution path by name, whatever groundup.cpu.convolution says (the backend-switch experiment runs them side by side). */
    @Test void aConvolutionPathByNameOverridesTheProperty() {
        String old = System.getProperty("groundup.cpu.convolution");
        System.setProperty("groundup.cpu.convolution", "im2col");
        try {
            CpuBackendProvider p = new CpuBackendProvider();
            try (Backend b = p.create("gemm")) { assertTrue(b.describe().contains("convolution image by image with SGEMM"), b.describe()); }
            try (Backend b = p.create()) { assertTrue(b.describe().contains("convolution im2col of the batch"), b.describe()); }
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> p.create("fast").close());
            assertTrue(e.getMessage().contains("auto, dnnl, gemm or im2col"), e.getMessage());
            assertEquals(java.util.List.of("auto", "dnnl", "gemm", "im2col"), CpuBackendProvider.CONVOLUTIONS);
        } finally {
            if (old == null) System.clearProperty("groundup.cpu.convolution"); else System.setProperty("groundup.cpu.convolution", old);
        }
    }
}
