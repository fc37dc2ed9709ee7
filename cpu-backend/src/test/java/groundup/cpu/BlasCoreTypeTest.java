package groundup.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** describe() warns when an AVX-512 CPU runs OpenBLAS's AVX2 kernels, as OpenBLAS's detection chose on a Zen 5. */
class BlasCoreTypeTest {
    private static final Set<String> AVX512 = Set.of("fma", "avx2", "avx512f", "avx512bw", "avx512vl", "avx512dq");

    @Test void warnsOnlyWhenAvx512KernelsAreLeftUnused() {
        String haswell = "OpenBLAS 0.3.30 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64";
        String warning = BlasGemm.avx512Warning(haswell, AVX512);
        assertTrue(warning.contains("OPENBLAS_CORETYPE=SkylakeX"), warning);
        assertTrue(BlasGemm.avx512Warning(haswell, Set.of("fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_bf16"))
                .contains("OPENBLAS_CORETYPE=Cooperlake"));
        assertEquals("", BlasGemm.avx512Warning("OpenBLAS 0.3.30 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64", AVX512));
        assertEquals("", BlasGemm.avx512Warning("OpenBLAS 0.3.30 DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64", AVX512));
        assertEquals("", BlasGemm.avx512Warning(haswell, Set.of("fma", "avx2")), "an AVX2 CPU: Haswell kernels are its best");
        assertEquals("", BlasGemm.avx512Warning(haswell, Set.of()), "no /proc/cpuinfo: nothing to say");
    }
}
