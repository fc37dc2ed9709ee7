package groundup.tensor;

import java.util.Arrays;

/**
 * The dimensions of a tensor, row-major, outermost first (NCHW for images).
 *
 * <p>Backends that think in matrices see a shape as {@code (rows, cols)} with
 * {@code rows = dims[0]} and {@code cols = product of the other dims}: an (N, C, H, W)
 * batch is an (N, C*H*W) matrix without any copy.
 */
public final class Shape {
    private final int[] dims;
    private final int size;

    private Shape(int[] dims) {
        if (dims.length == 0) throw new IllegalArgumentException("a shape needs at least one dimension");
        long n = 1;
        for (int d : dims) {
            if (d <= 0) throw new IllegalArgumentException("shape " + Arrays.toString(dims) + ": every dimension must be positive");
            n *= d;
            if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " holds more than 2^31 elements");
        }
        this.dims = dims;
        this.size = (int) n;
    }

    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    public int rank() { return dims.length; }

    public int dim(int i) { return dims[i]; }

    /** Number of elements. */
    public int size() { return size; }

    /** Rows when seen as a matrix: the outermost dimension. */
    public int rows() { return dims[0]; }

    /** Columns when seen as a matrix: the product of all but the outermost dimension. */
    public int cols() { return size / dims[0]; }

    public int[] dims() { return dims.clone(); }

    /** Whether this is (d0), without making a Shape to compare (a step's checks allocate nothing). */
    public boolean is(int d0) { return dims.length == 1 && dims[0] == d0; }

    /** Whether this is (d0, d1). */
    public boolean is(int d0, int d1) { return dims.length == 2 && dims[0] == d0 && dims[1] == d1; }

    /** Whether this is (d0, d1, d2, d3). */
    public boolean is(int d0, int d1, int d2, int d3) {
        return dims.length == 4 && dims[0] == d0 && dims[1] == d1 && dims[2] == d2 && dims[3] == d3;
    }

    @Override public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override public int hashCode() { return Arrays.hashCode(dims); }

    @Override public String toString() {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) b.append(", ");
            b.append(dims[i]);
        }
        return b.append(dims.length == 1 ? ",)" : ")").toString();
    }
}
