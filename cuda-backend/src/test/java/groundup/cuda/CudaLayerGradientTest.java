package groundup.cuda;

import groundup.backend.Backend;
import groundup.testing.LayerGradientContract;

/** Numerical gradient checks of every layer and network on the GPU; skipped where no GPU is usable. */
class CudaLayerGradientTest extends LayerGradientContract {
    @Override protected Backend createBackend() { return Gpu.backendOrSkip(); }
}
