package groundup.cpu;

import groundup.backend.Backend;
import groundup.testing.LayerGradientContract;

/** The gradient checks with every convolution on image-by-image SGEMM: what auto runs where oneDNN cannot load. */
class CpuGemmLayerGradientTest extends LayerGradientContract {
    @Override protected Backend createBackend() { return new CpuBackend(2, ConvolutionKind.GEMM); }
}
