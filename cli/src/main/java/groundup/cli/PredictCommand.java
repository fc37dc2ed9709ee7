package groundup.cli;

import groundup.backend.Backend;
import groundup.data.KnownDataset;
import groundup.train.TrainingRun;
import groundup.io.Checkpoint;
import groundup.errors.InvalidFileException;
import groundup.nn.Mode;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Sequential;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Classifies 28x28 grayscale PNGs (white on black, as MNIST; --invert for black on white), naming the class "
                + "of the data set the checkpoint was trained on.")
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "FILE") Path checkpoint;
    @Option(names = "--invert", description = "The images are dark digits on a light background.") boolean invert;
    @Parameters(arity = "1..*", paramLabel = "PNG") List<Path> images;
    @Mixin DatasetOption dataset;
    @Mixin BackendOption backendOption;

    /** The network a checkpoint describes; an InvalidFileException or FileAccessException names the file (and the field). */
    static NetworkSpec specOf(Path checkpoint) throws IOException {
        return TrainingRun.networkOf(Checkpoint.readHeader(checkpoint));
    }

    /** Reads one 28x28 image as luminance in [0, 1]. */
    static float[] pixels(Path png, boolean invert) throws IOException {
        if (!Files.isRegularFile(png)) throw new InvalidFileException(png, "no such file");
        BufferedImage img = ImageIO.read(png.toFile());
        if (img == null) throw new InvalidFileException(png, "is not an image ImageIO can read");
        if (img.getWidth() != 28 || img.getHeight() != 28) {
            throw new InvalidFileException(png, "is " + img.getWidth() + "x" + img.getHeight() + ", expected 28x28");
        }
        float[] px = new float[28 * 28];
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                int rgb = img.getRGB(x, y);
                float l = (0.299f * (rgb >> 16 & 0xFF) + 0.587f * (rgb >> 8 & 0xFF) + 0.114f * (rgb & 0xFF)) / 255f;
                px[y * 28 + x] = invert ? 1f - l : l;
            }
        }
        return px;
    }

    @Override public Integer call() throws Exception {
        NetworkSpec spec = specOf(checkpoint);
        KnownDataset d = dataset.checkedAgainst(TrainingRun.datasetOf(Checkpoint.readHeader(checkpoint)), checkpoint);
        float[] all = new float[images.size() * 784];
        for (int i = 0; i < images.size(); i++) System.arraycopy(pixels(images.get(i), invert), 0, all, i * 784, 784);
        try (Backend b = backendOption.open(); Sequential net = Networks.create(spec, b, 0)) {
            Checkpoint.load(checkpoint, net, null);
            Shape xs = net.batchShape(images.size());
            try (Tensor x = b.allocate(xs)) {
                b.upload(all, 0, x);
                float[] scores = net.predict(x, Mode.INFERENCE).toArray();
                for (int i = 0; i < images.size(); i++) {
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    int best = 0;
                    for (int c = 0; c < 10; c++) if (scores[i * 10 + c] > max) { max = scores[i * 10 + c]; best = c; }
                    for (int c = 0; c < 10; c++) sum += Math.exp(scores[i * 10 + c] - max);
                    System.out.printf(Locale.ROOT, "%s: %s, %.1f%%%n", images.get(i), d.label(best), 100 / sum);
                }
            }
        }
        return 0;
    }
}
