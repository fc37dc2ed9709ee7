package groundup.experiments;

import groundup.backend.Backend;
import groundup.nn.Convolution;
import groundup.nn.Layer;
import groundup.nn.Mode;
import groundup.nn.Relu;
import groundup.nn.Sigmoid;
import groundup.nn.Tanh;
import groundup.nn.Sequential;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Chapter 7: what each convolution layer of a trained network makes of one image, its feature
 * maps after the activation that follows it (what the next layer sees). The book: the first
 * layer responds to edges and blobs; deeper layers to larger, more abstract patterns.
 */
public final class ActivationView {
    /** @param zeroShare share of the layer's outputs that are exactly zero (ReLU's sparsity) */
    public record Maps(String layer, int channels, int h, int w, double mean, double max, double zeroShare) {}

    public record Results(int predicted, List<Maps> layers) {}

    /** The numbers and each layer's maps, (C, H, W) row-major. */
    public record View(Results results, List<float[]> maps, float[] image, Shape imageShape) {}

    private ActivationView() {}

    /** image: one sample of the network's sample shape. */
    public static View run(Sequential net, float[] image) {
        Backend b = net.backend();
        // a convolution block's maps are its convolution's after the ReLU: the view runs its parts one by one
        List<Layer> layers = net.layers().stream().flatMap(l -> l.parts().stream()).toList();
        if (layers.stream().noneMatch(l -> l instanceof Convolution)) {
            throw new IllegalArgumentException("the network has no convolution layers: its first-layer weights are what `visualize filters` shows");
        }
        List<Maps> out = new ArrayList<>();
        List<float[]> maps = new ArrayList<>();
        int predicted;
        try (Tensor x = b.allocate(net.batchShape(1))) {
            b.upload(image, 0, x);
            Tensor h = x;
            String conv = null;       // the conv layer whose maps come next: its own output, or its activation's
            for (int i = 0; i < layers.size(); i++) {
                Layer l = layers.get(i);
                h = l.forward(h, Mode.INFERENCE);
                if (l instanceof Convolution) conv = l.describe();
                boolean activationNext = i + 1 < layers.size() && isActivation(layers.get(i + 1));
                if (conv != null && !(l instanceof Convolution && activationNext)) {
                    float[] v = h.toArray();
                    out.add(stats(conv, v, h.shape()));
                    maps.add(v);
                    conv = null;
                }
            }
            float[] scores = h.toArray();
            predicted = argmax(scores);
        }
        return new View(new Results(predicted, out), maps, image, net.sampleShape());
    }

    private static boolean isActivation(Layer l) { return l instanceof Relu || l instanceof Sigmoid || l instanceof Tanh; }

    private static Maps stats(String layer, float[] v, Shape s) {
        double sum = 0, max = Double.NEGATIVE_INFINITY;
        int zeros = 0;
        for (float f : v) {
            sum += f;
            max = Math.max(max, f);
            if (f == 0) zeros++;
        }
        return new Maps(layer, s.dim(1), s.dim(2), s.dim(3), sum / v.length, max, zeros / (double) v.length);
    }

    private static int argmax(float[] s) {
        int best = 0;
        for (int j = 1; j < s.length; j++) if (s[j] > s[best]) best = j;
        return best;
    }

    /** The input on top, then one grid per conv layer, 16 maps to a row, bright = strong response. */
    public static BufferedImage picture(View v, String title) {
        List<BufferedImage> parts = new ArrayList<>();
        int ih = v.imageShape.dim(1), iw = v.imageShape.dim(2);
        parts.add(ImageGrid.render(title, List.of(new ImageGrid.Tile(v.image, ih, iw, "predicted " + v.results.predicted)), 1, 4, false));
        for (int k = 0; k < v.maps.size(); k++) {
            Maps m = v.results.layers.get(k);
            int n = m.h * m.w;
            List<ImageGrid.Tile> tiles = new ArrayList<>();
            for (int c = 0; c < m.channels; c++) {
                tiles.add(new ImageGrid.Tile(Arrays.copyOfRange(v.maps.get(k), c * n, (c + 1) * n), m.h, m.w, null));
            }
            int scale = Math.max(1, 56 / Math.max(m.h, m.w));
            parts.add(ImageGrid.render(String.format(java.util.Locale.ROOT, "%s, after its activation: %d maps %dx%d, %.0f%% zero", m.layer,
                    m.channels, m.h, m.w, 100 * m.zeroShare), tiles, 16, scale, false));
        }
        return Pictures.stack(parts, 1);
    }
}
