package groundup.cpu;

import groundup.backend.Backend;
import groundup.testing.BackendContract;

/**
 * The contract with every convolution on image-by-image SGEMM ({@code groundup.cpu.convolution=gemm},
 * also what auto runs where oneDNN cannot load).
 */
class CpuGemmConvolutionContractTest extends BackendContract {
    @Override protected Backend createBackend() { return new CpuBackend(2, ConvolutionKind.GEMM); }
}
