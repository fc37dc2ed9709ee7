package groundup.cpu;

import groundup.backend.Backend;
import groundup.testing.BackendContract;

/** The contract with every convolution on oneDNN ({@code groundup.cpu.convolution=dnnl}), the narrow ones auto leaves to SGEMM included. */
class CpuDnnlConvolutionContractTest extends BackendContract {
    @Override protected Backend createBackend() { return new CpuBackend(2, ConvolutionKind.DNNL); }
}
