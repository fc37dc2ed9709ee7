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
import groundup.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Classifies 28x28 grayscale PNGs (white on black, as MNIST; --invert for black on white), naming the class "
                + "of the data set the checkpoint was trained on.")
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "A checkpoint train wrote (checkpoint.safetensors or best.safetensors).")
    Path checkpoint;
    @Option(names = "--invert", description = "The images are dark digits on a light background.") boolean invert;
    @Parameters(arity = "1..*", paramLabel = "PNG", description = "28x28 images, read by their stored samples (see InputImage): "
            + "gray of any bit depth, palette or RGB; a transparent pixel or another size is an error naming the file.")
    List<Path> images;
    /** Images per forward pass, as eval's default batch: memory stays bounded however many files are given. */
    static final int BATCH = 1000;
    @Mixin DatasetOption dataset;
    @Mixin BackendOption backendOption;

    /** The network a checkpoint describes; an InvalidFileException or FileAccessException names the file (and the field). */
    static NetworkSpec specOf(Path checkpoint) throws IOException {
        return TrainingRun.networkOf(Checkpoint.readHeader(checkpoint));
    }

    @Override public Integer call() throws Exception {
        NetworkSpec spec = specOf(checkpoint);
        KnownDataset d = dataset.checkedAgainst(TrainingRun.datasetOf(Checkpoint.readHeader(checkpoint)), checkpoint);
        float[] all = new float[images.size() * 784];
        for (int i = 0; i < images.size(); i++) System.arraycopy(InputImage.read(images.get(i), invert), 0, all, i * 784, 784);
        try (Backend b = backendOption.open(); Sequential net = Networks.create(spec, b, 0)) {
            Checkpoint.load(checkpoint, net, null);
            int classes = net.classes();
            for (int start = 0; start < images.size(); start += BATCH) {
                int m = Math.min(BATCH, images.size() - start);
                try (Tensor x = b.allocate(net.batchShape(m))) {
                    b.upload(all, start * 784, x);
                    float[] scores = net.predict(x, Mode.INFERENCE).toArray();
                    for (int i = 0; i < m; i++) {
                        double max = Double.NEGATIVE_INFINITY, sum = 0;
                        int best = 0;
                        for (int c = 0; c < classes; c++) if (scores[i * classes + c] > max) { max = scores[i * classes + c]; best = c; }
                        for (int c = 0; c < classes; c++) sum += Math.exp(scores[i * classes + c] - max);
                        System.out.printf(Locale.ROOT, "%s: %s, %.1f%%%n", images.get(start + i), d.label(best), 100 / sum);
                    }
                }
            }
        }
        return 0;
    }
}
