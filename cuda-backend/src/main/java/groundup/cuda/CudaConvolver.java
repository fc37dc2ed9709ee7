package groundup.cuda;

import groundup.backend.Checks;
import groundup.backend.Im2colConvolver;
import groundup.backend.Precision;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Tensor;

/**
 * The CUDA backend's convolution: im2col and one GEMM ({@link Im2colConvolver}), and, where a
 * ReLU and a max pooling follow (what Sequential fuses), the bias, ReLU and pooling in one
 * kernel that reads the GEMM's output as it lies, (N*OH*OW, F), and one that writes the
 * backward straight back into that layout (kernels.cu's bias_relu_pool and
 * relu_pool_bwd_columns). The composed path takes six launches forward (GEMM's aside: bias,
 * ReLU, transpose, pooling) and five back; this one, one each way, and the full (N, F, OH, OW)
 * output is never written. The same floats, but for the order a position's overlapping windows
 * are summed in (the composed path adds them with atomics). In bf16 or tf32 the three GEMMs take
 * their inputs rounded; the kernels around them stay float32.
 */
final class CudaConvolver extends Im2colConvolver {
    private final CudaBackend b;
    private final ConvGeometry g;

    /** Its GEMMs in {@code precision} ({@link CudaBackend#gemm(Precision, boolean, boolean, float, Tensor, Tensor, float, Tensor)}). */
    CudaConvolver(CudaBackend b, ConvGeometry g, int filters, Precision precision) {
        super(b, g, filters, precision);
        this.b = b;
        this.g = g;
    }

    @Override public void forwardReluPool(Tensor x, Tensor w, Tensor bias, ConvGeometry pool, Tensor yp, Tensor argmax) {
        Checks.convolution(b, g, filters(), x, w, bias, null);
        Checks.convolutionPool(b, g, filters(), pool, yp, argmax);
        b.biasReluPool(columns(x, w), bias, pool, yp, argmax);
    }

    @Override public void backwardReluPool(Tensor x, Tensor w, ConvGeometry pool, Tensor yp, Tensor argmax, Tensor dyp, Tensor dw, Tensor db,
                                           Tensor dx) {
        Checks.convolutionPool(b, g, filters(), pool, yp, argmax, dyp);
        Checks.convolutionBackward(b, g, filters(), x, w, null, dw, db, dx);
        b.reluPoolBackwardColumns(dyp, yp, argmax, pool, columnsGradient());
        backwardFromColumns(w, dw, db, dx);
    }
}
