package groundup.experiments;

import groundup.backend.Backend;
import groundup.io.Checkpoint;
import groundup.nn.Convolution;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Parameter;
import groundup.nn.Sequential;
import groundup.tensor.Shape;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Chapter 7, {@code visualize_filter.py}: the first layer's weights as pictures, before training
 * (the network as its run's seed initialized it) and after (the checkpoint). For a conv net these
 * are its filters (input channel 0, as the book draws them); for an MLP, each first-layer unit's
 * 784 weights as a 28x28 image. The book: random noise before; after training, filters that
 * respond to edges and blobs.
 */
public final class FilterView {
    /** @param meanAbsChange mean |after - before| over the filter's weights */
    public record Filter(int index, double stdBefore, double stdAfter, double meanAbsChange) {}

    public record Results(String network, String parameter, int[] shape, long initSeed, List<Filter> filters) {}

    /** The pictures and their numbers. */
    public record View(Results results, List<ImageGrid.Tile> before, List<ImageGrid.Tile> after) {}

    private FilterView() {}

    public static View run(Backend b, NetworkSpec spec, Path checkpoint, long initSeed, int max) throws IOException {
        try (Sequential init = Networks.create(spec, b, initSeed); Sequential trained = Networks.create(spec, b, initSeed)) {
            Checkpoint.load(checkpoint, trained, null);
            Parameter p0 = init.parameters().get(0), p1 = trained.parameters().get(0);
            float[] w0 = p0.value().toArray(), w1 = p1.value().toArray();
            // a conv layer keeps its kernels as rows of a (FN, C*FH*FW) matrix
            Shape s = init.layers().get(0).parts().get(0) instanceof Convolution c ? c.kernelShape() : p0.value().shape();
            List<ImageGrid.Tile> before = new ArrayList<>(), after = new ArrayList<>();
            List<Filter> filters = new ArrayList<>();
            boolean conv = s.rank() == 4;
            int count = Math.min(max, conv ? s.dim(0) : s.dim(1));
            int side = conv ? s.dim(2) : (int) Math.round(Math.sqrt(s.dim(0))), w = conv ? s.dim(3) : side;
            if (!conv && side * side != s.dim(0)) {
                throw new IllegalArgumentException("the first layer's weights " + s + " are not of square images");
            }
            for (int f = 0; f < count; f++) {
                float[] a = tile(w0, s, f, conv), c = tile(w1, s, f, conv);
                before.add(new ImageGrid.Tile(a, side, w, Integer.toString(f + 1)));
                after.add(new ImageGrid.Tile(c, side, w, Integer.toString(f + 1)));
                double change = 0;
                for (int i = 0; i < a.length; i++) change += Math.abs(c[i] - a[i]);
                filters.add(new Filter(f + 1, std(a), std(c), change / a.length));
            }
            return new View(new Results(spec.net(), p0.name(), s.dims(), initSeed, filters), before, after);
        }
    }

    /** Filter f of conv weights (FN, C, FH, FW), channel 0; or column f of Affine weights (in, out). */
    private static float[] tile(float[] w, Shape s, int f, boolean conv) {
        if (conv) {
            int per = s.dim(1) * s.dim(2) * s.dim(3), n = s.dim(2) * s.dim(3);
            return java.util.Arrays.copyOfRange(w, f * per, f * per + n);
        }
        int in = s.dim(0), out = s.dim(1);
        float[] t = new float[in];
        for (int i = 0; i < in; i++) t[i] = w[i * out + f];
        return t;
    }

    static double std(float[] v) {
        double m = 0, q = 0;
        for (float x : v) m += x;
        m /= v.length;
        for (float x : v) q += (x - m) * (x - m);
        return Math.sqrt(q / v.length);
    }

    /** Before above after, each a grid of 10 per row, dark = large weight (matplotlib's gray_r, as the book). */
    public static BufferedImage picture(View v) {
        int scale = v.before.get(0).h() <= 7 ? 8 : 3;
        String what = v.results.shape.length == 4 ? "filters" : "first-layer weights";
        BufferedImage a = ImageGrid.render(v.results.network + ": " + what + " before training (seed " + v.results.initSeed + ")", v.before,
                10, scale, true);
        BufferedImage c = ImageGrid.render(v.results.network + ": " + what + " after training", v.after, 10, scale, true);
        return Pictures.stack(List.of(a, c), 1);
    }
}
