package groundup.cuda;

import groundup.backend.Backend;
import groundup.testing.LayerGradientContract;
import org.junit.jupiter.api.Tag;

/** Numerical gradient checks of every layer and network on CUDA: the GPU, else the host stand-in (HostStandIn). */
@Tag("cuda-device")
class CudaLayerGradientTest extends LayerGradientContract {
    @Override protected Backend createBackend() { return Gpu.backendOrSkip(); }
}
