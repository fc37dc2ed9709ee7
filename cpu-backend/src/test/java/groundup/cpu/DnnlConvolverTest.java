package groundup.cpu;

import groundup.tensor.ConvGeometry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layouts oneDNN picks for DeepConvNet-like layers: blocked (nChw16c on AVX-512, nChw8c on
 * AVX2), the reason the convolver asks for "any" layout and reorders. The contract suite's wide
 * layers then check our NCHW arrays against the oracle through those reorders, padded blocks
 * (20 and 24 channels) included.
 */
class DnnlConvolverTest {

    @Test void wideLayersRunInBlockedLayouts() {
        try (CpuBackend b = new CpuBackend(2, ConvolutionKind.DNNL);
             DnnlConvolver conv2 = new DnnlConvolver(b, new Parallel(2), new LayoutCounter(), true, new ConvGeometry(4, 16, 28, 28, 3, 3, 1, 1), 16);
             DnnlConvolver padded = new DnnlConvolver(b, new Parallel(1), new LayoutCounter(), true, new ConvGeometry(3, 20, 7, 6, 3, 3, 1, 2), 24)) {
            for (DnnlConvolver c : new DnnlConvolver[] {conv2, padded}) {
                String l = c.layouts();
                assertTrue(l.matches("x nChw(16|8)c, w .*, y nChw(16|8)c, dy nChw(16|8)c, dx nChw(16|8)c, dw .*"), l);
            }
        }
    }

    /**
     * DeepConvNet's conv4 (pad 2): on AVX-512 oneDNN 3.8.1 runs its weight gradient on AVX2
     * kernels in nChw8c, so x and dy are reordered from forward's nChw16c copies. The contract
     * suite has this layer; this says which path it took on the machine at hand.
     */
    @Test void conv4TakesWhateverLayoutsItsKernelsWant() {
        try (CpuBackend b = new CpuBackend(2, ConvolutionKind.DNNL);
             DnnlConvolver conv4 = new DnnlConvolver(b, new Parallel(2), new LayoutCounter(), true, new ConvGeometry(2, 32, 14, 14, 3, 3, 1, 2), 32)) {
            String l = conv4.layouts();
            assertTrue(l.matches("x nChw(16|8)c, .*") && (!l.contains("for dw") || l.contains("x for dw nChw")), l);
            System.out.println("DeepConvNet conv4 on this machine: " + l);
        }
    }

    /**
     * In bf16 on AMX, oneDNN 3.8.1 has only a GEMM for conv4's weight gradient (pad 2 is more than
     * half its kernel), so the convolver gives x a zero border and runs it as pad 1 on the AMX
     * kernel. The precision contract checks its numbers on this layer; this, that it took that path.
     */
    @Test void conv4sBf16WeightGradientRunsOnABorderedCopyOnAmx() {
        org.junit.jupiter.api.Assumptions.assumeTrue("AMX".equals(Dnnl.bf16Instructions()), "no AMX here for oneDNN");
        try (CpuBackend b = new CpuBackend(2, ConvolutionKind.DNNL);
             DnnlConvolver conv4 = new DnnlConvolver(b, new Parallel(2), new LayoutCounter(), true, new ConvGeometry(100, 32, 14, 14, 3, 3, 1, 2), 32, true)) {
            String l = conv4.layouts();
            assertTrue(l.contains("x zero-bordered for dw"), l);
        }
    }

    /** conv6 in bf16 on AMX: its weight gradient on one OpenMP thread ({@link OpenMpThreads}), the count given back after. */
    @Test void conv6sBf16WeightGradientRunsOnOneThreadAndGivesTheCountBack() {
        org.junit.jupiter.api.Assumptions.assumeTrue("AMX".equals(Dnnl.bf16Instructions()) && OpenMpThreads.available(), "no AMX or no libgomp here");
        groundup.tensor.ConvGeometry g = new ConvGeometry(4, 64, 8, 8, 3, 3, 1, 1);
        try (CpuBackend b = new CpuBackend(2, ConvolutionKind.DNNL);
             DnnlConvolver conv6 = new DnnlConvolver(b, new Parallel(2), new LayoutCounter(), true, g, 64, true);
             groundup.tensor.Tensor x = b.allocate(g.inputShape()); groundup.tensor.Tensor w = b.allocate(groundup.tensor.Shape.of(64, 576));
             groundup.tensor.Tensor bias = b.allocate(groundup.tensor.Shape.of(64)); groundup.tensor.Tensor y = b.allocate(groundup.tensor.Shape.of(4, 64, 8, 8));
             groundup.tensor.Tensor dw = b.allocate(groundup.tensor.Shape.of(64, 576)); groundup.tensor.Tensor db = b.allocate(groundup.tensor.Shape.of(64))) {
            assertTrue(conv6.layouts().contains("dw on one thread"), conv6.layouts());
            int before = OpenMpThreads.now();
            conv6.forward(x, w, bias, y);
            conv6.backward(x, w, y, dw, db, null);
            assertTrue(before > 0 && OpenMpThreads.now() == before, "OpenMP threads " + before + " before, " + OpenMpThreads.now() + " after");
        }
    }
}
