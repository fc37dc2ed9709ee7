package groundup.experiments;

import groundup.data.Dataset;
import groundup.data.KnownDataset;
import groundup.nn.Sequential;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Chapter 8, {@code misclassified_mnist.py}: the test images a trained network gets wrong, with
 * its prediction and the label. The book shows DeepConvNet's first 20 mistakes and notes that
 * many are hard for a person too.
 */
public final class MisclassifiedView {
    /** @param confidence the probability the network gave its (wrong) prediction */
    public record Mistake(int index, int label, int predicted, double confidence) {}

    /** @param confusion confusion[label][predicted], counts over the whole test set */
    public record Results(int images, int wrong, double accuracy, int[][] confusion, List<Mistake> shown) {}

    private MisclassifiedView() {}

    public static Results run(Sequential net, Dataset test, int show) { return run(net, test, show, Progress.none()); }

    public static Results run(Sequential net, Dataset test, int show, Progress progress) {
        int k = net.classes(), n = test.count();
        float[] p = Scores.probabilities(net, test, 500, progress);
        int[][] confusion = new int[k][k];
        List<Mistake> shown = new ArrayList<>();
        int wrong = 0;
        for (int i = 0; i < n; i++) {
            int y = test.labels()[i], pred = Scores.argmax(p, i, k);
            confusion[y][pred]++;
            if (pred != y) {
                wrong++;
                if (shown.size() < show) shown.add(new Mistake(i, y, pred, p[i * k + pred]));
            }
        }
        return new Results(n, wrong, 1 - wrong / (double) n, confusion, shown);
    }

    /** The mistakes as a grid of the test images, captioned "#index: label -> predicted (confidence)". */
    public static BufferedImage picture(Results r, Dataset test, KnownDataset d, String network) {
        List<ImageGrid.Tile> tiles = new ArrayList<>();
        int per = test.sampleShape().size(), h = test.sampleShape().dim(1), w = test.sampleShape().dim(2);
        for (Mistake m : r.shown) {
            float[] px = java.util.Arrays.copyOfRange(test.images(), m.index * per, (m.index + 1) * per);
            String caption = String.format(java.util.Locale.ROOT, "#%d: %s -> %s %.0f%%", m.index, name(d, m.label), name(d, m.predicted),
                    100 * m.confidence);
            tiles.add(new ImageGrid.Tile(px, h, w, caption));
        }
        String title = String.format(java.util.Locale.ROOT, "%s on %s test: %d of %d wrong (accuracy %.2f%%); label -> prediction",
                network, d.id, r.wrong, r.images, 100 * r.accuracy);
        return ImageGrid.render(title, tiles, 5, 3, false);
    }

    private static String name(KnownDataset d, int c) { return d == KnownDataset.MNIST ? Integer.toString(c) : d.classes.get(c); }
}
