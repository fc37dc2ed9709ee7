package groundup.cpu;

import groundup.backend.Backend;
import groundup.testing.LayerGradientContract;

/** Numerical gradient checks of every layer and network on the CPU backend as auto runs it: every convolution on oneDNN. */
class CpuLayerGradientTest extends LayerGradientContract {
    @Override protected Backend createBackend() { return new CpuBackend(2); }
}
