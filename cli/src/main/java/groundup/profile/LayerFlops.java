package groundup.profile;

import groundup.nn.Affine;
import groundup.nn.Convolution;
import groundup.nn.Layer;
import groundup.tensor.Shape;

/**
 * Floating-point operations of a layer's forward and backward, counting a multiply and an add as
 * two: a convolution of F kernels (C, KH, KW) over (N, C, H, W) to (N, F, OH, OW) is
 * 2*N*F*C*KH*KW*OH*OW forward, and as much again for each of dW and dx backward; an Affine
 * (in, out) is 2*N*in*out forward, likewise. The first layer of a network computes no dx.
 * Other layers (activations, pooling, batch norm, dropout) are memory-bound: 0, shown as "-".
 * A block ({@link Layer#parts}) counts its parts.
 */
final class LayerFlops {
    private LayerFlops() {}

    /** Forward and backward FLOPs of layer for a batch of {@code input}. */
    record Count(long forward, long backward) {}

    static Count of(Layer layer, Shape input, boolean first) {
        long fwd = 0, bwd = 0;
        Shape s = input;
        boolean skipsDx = first;     // only the network's first part skips dL/dx
        for (Layer part : layer.parts()) {
            long f = gemmFlops(part, s);
            fwd += f;
            bwd += skipsDx ? f : 2 * f;
            skipsDx = false;
            s = part.outputShape(s);
        }
        return new Count(fwd, bwd);
    }

    /** The forward FLOPs of a convolution or Affine on input; 0 for any other layer. */
    private static long gemmFlops(Layer l, Shape input) {
        long n = input.dim(0);
        if (l instanceof Convolution c) {
            Shape k = c.kernelShape(), out = c.outputShape(input);     // (F, C, KH, KW), (N, F, OH, OW)
            return 2 * n * k.dim(0) * k.dim(1) * k.dim(2) * k.dim(3) * out.dim(2) * out.dim(3);
        }
        if (l instanceof Affine a) {
            Shape w = a.parameters().get(0).value().shape();           // (in, out)
            return 2 * n * w.dim(0) * w.dim(1);
        }
        return 0;
    }
}
