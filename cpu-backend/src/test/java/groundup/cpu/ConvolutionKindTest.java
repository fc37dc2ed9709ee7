package groundup.cpu;

import groundup.backend.Convolver;
import groundup.tensor.ConvGeometry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConvolutionKindTest {

    /**
     * The shipped platform (x86-64 Linux) must get oneDNN for every layer, DeepConvNet's wide ones,
     * SimpleConvNet's 5x5 one and DeepConvNet's single-channel conv1 (9 taps): a silent fall back to
     * SGEMM would cost 2-3x on the wide ones.
     */
    @Test void autoRunsOneDnnOnEveryLayer() {
        assertEquals("", Dnnl.whyNot());
        assertEquals(ConvolutionKind.AUTO, ConvolutionKind.chosen(null));
        assertEquals(ConvolutionKind.AUTO, ConvolutionKind.chosen(" Auto "));
        try (CpuBackend b = new CpuBackend(2, ConvolutionKind.AUTO);
             Convolver deep2 = b.convolver(new ConvGeometry(2, 16, 28, 28, 3, 3, 1, 1), 16);
             Convolver simple = b.convolver(new ConvGeometry(2, 1, 28, 28, 5, 5, 1, 0), 30);
             Convolver deep1 = b.convolver(new ConvGeometry(2, 1, 28, 28, 3, 3, 1, 1), 16)) {
            assertInstanceOf(DnnlConvolver.class, deep2);
            assertInstanceOf(DnnlConvolver.class, simple);
            assertInstanceOf(DnnlConvolver.class, deep1);
            assertTrue(b.describe().contains("convolution oneDNN 3.") && !b.describe().contains("SGEMM"), b.describe());
        }
    }

    @Test void eachKindCanBeAskedFor() {
        assertEquals(ConvolutionKind.DNNL, ConvolutionKind.chosen("dnnl"));
        assertEquals(ConvolutionKind.GEMM, ConvolutionKind.chosen("gemm"));
        assertEquals(ConvolutionKind.IM2COL, ConvolutionKind.chosen("IM2COL"));
        for (ConvolutionKind k : ConvolutionKind.values()) {
            if (k == ConvolutionKind.AUTO) continue;
            assertEquals(k, k.resolved(true), "asked for: not overridden by auto's rule");
            assertEquals(k, k.resolved(false), "asked for: not overridden by auto's rule (dnnl then fails as it is chosen)");
        }
        assertEquals(ConvolutionKind.DNNL, ConvolutionKind.AUTO.resolved(true), "auto where oneDNN loads");
        assertEquals(ConvolutionKind.GEMM, ConvolutionKind.AUTO.resolved(false), "auto where oneDNN cannot load");
        assertEquals(ConvolutionKind.DNNL, ConvolutionKind.AUTO.resolved(), "auto here (x86-64 Linux, oneDNN bundled)");
        try (CpuBackend b = new CpuBackend(2, ConvolutionKind.GEMM);
             Convolver narrow = b.convolver(new ConvGeometry(1, 1, 5, 5, 3, 3, 1, 0), 4);
             Convolver wide = b.convolver(new ConvGeometry(1, 16, 5, 5, 3, 3, 1, 0), 4)) {
            assertInstanceOf(CpuConvolver.class, narrow);
            assertInstanceOf(CpuConvolver.class, wide);
        }
    }

    @Test void anUnknownKindIsAnErrorThatListsTheKinds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConvolutionKind.chosen("winograd"));
        assertTrue(e.getMessage().contains("'winograd'") && e.getMessage().contains("auto, dnnl, gemm or im2col"), e.getMessage());
    }

    @Test void describeWarnsWhereOneDnnsThreadsAreNotTheBackends() {
        assertEquals("", Dnnl.threadWarning(java.util.Map.of(), 2, 2));
        assertEquals("", Dnnl.threadWarning(java.util.Map.of("OMP_NUM_THREADS", "4"), 4, 16));
        assertEquals("", Dnnl.threadWarning(java.util.Map.of("OMP_NUM_THREADS", "4,2"), 4, 16));
        String w = Dnnl.threadWarning(java.util.Map.of(), 4, 16);
        assertTrue(w.contains("16 OpenMP threads") && w.contains("groundup.threads is 4") && w.contains("OMP_NUM_THREADS=4"), w);
        w = Dnnl.threadWarning(java.util.Map.of("OMP_NUM_THREADS", "8"), 2, 2);
        assertTrue(w.contains("8 OpenMP threads") && w.contains("OMP_NUM_THREADS=2"), w);
        assertTrue(Dnnl.threadWarning(java.util.Map.of("OMP_NUM_THREADS", "many"), 2, 2).contains("OMP_NUM_THREADS=many is not"));
    }

    @Test void describeWarnsWhereOpenMpThreadsWouldSpin() {
        assertTrue(Dnnl.spinWarning(java.util.Map.of()).contains("GOMP_SPINCOUNT=1000"));
        assertEquals("", Dnnl.spinWarning(java.util.Map.of("GOMP_SPINCOUNT", "1000")));
        assertEquals("", Dnnl.spinWarning(java.util.Map.of("OMP_WAIT_POLICY", "passive")));
    }
}
