package groundup.tensor;

/**
 * The geometry of a sliding window (convolution or pooling) over an NCHW batch:
 * input (n, c, h, w), window (kh, kw), one stride and one zero padding for both axes.
 *
 * <p>Output size: {@code oh = (h + 2*pad - kh) / stride + 1}, likewise {@code ow}.
 * im2col turns the input into a matrix of shape (n*oh*ow, c*kh*kw): one row per output
 * position, columns ordered (channel, ky, kx), the book's layout.
 */
public record ConvGeometry(int n, int c, int h, int w, int kh, int kw, int stride, int pad) {

    public ConvGeometry {
        if (n <= 0 || c <= 0 || h <= 0 || w <= 0) {
            throw new IllegalArgumentException("window over input (" + n + ", " + c + ", " + h + ", " + w + "): sizes must be positive");
        }
        if (kh <= 0 || kw <= 0) throw new IllegalArgumentException("window " + kh + "x" + kw + ": sizes must be positive");
        if (stride <= 0) throw new IllegalArgumentException("window stride " + stride + ": must be positive");
        if (pad < 0) throw new IllegalArgumentException("window padding " + pad + ": must not be negative");
        if (kh > h + 2 * pad || kw > w + 2 * pad) {
            throw new IllegalArgumentException("window " + kh + "x" + kw + " is larger than the padded input "
                    + (h + 2 * pad) + "x" + (w + 2 * pad) + " (input " + h + "x" + w + ", pad " + pad + ")");
        }
    }

    /** The geometry of a window over an input tensor of shape (n, c, h, w). */
    public static ConvGeometry of(Shape x, int kh, int kw, int stride, int pad) {
        if (x.rank() != 4) throw new IllegalArgumentException("window over " + x + ": input must be (N, C, H, W)");
        return new ConvGeometry(x.dim(0), x.dim(1), x.dim(2), x.dim(3), kh, kw, stride, pad);
    }

    public int outH() { return (h + 2 * pad - kh) / stride + 1; }

    public int outW() { return (w + 2 * pad - kw) / stride + 1; }

    public Shape inputShape() { return Shape.of(n, c, h, w); }

    /** Whether s is {@link #inputShape()}, with nothing allocated. */
    public boolean takes(Shape s) { return s.is(n, c, h, w); }

    /** Whether s is {@link #pooledShape()}, with nothing allocated. */
    public boolean pools(Shape s) { return s.is(n, c, outH(), outW()); }

    /** im2col's matrix: (n*oh*ow, c*kh*kw). */
    public Shape colShape() { return Shape.of(n * outH() * outW(), c * kh * kw); }

    /** Pooling output: (n, c, oh, ow). */
    public Shape pooledShape() { return Shape.of(n, c, outH(), outW()); }
}
