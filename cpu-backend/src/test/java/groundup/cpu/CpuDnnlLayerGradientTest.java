package groundup.cpu;

import groundup.backend.Backend;
import groundup.testing.LayerGradientContract;

/** The gradient checks with every convolution on oneDNN: the contract's small layers would otherwise stay on SGEMM under auto. */
class CpuDnnlLayerGradientTest extends LayerGradientContract {
    @Override protected Backend createBackend() { return new CpuBackend(2, ConvolutionKind.DNNL); }
}
