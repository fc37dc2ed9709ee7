package groundup.data;

import groundup.errors.InvalidFileException;
import groundup.tensor.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loads a data set in MNIST's format from the four raw IDX files in a directory (MNIST,
 * Fashion-MNIST, one's own): 28x28 images, labels 0-9. It reads files and never fetches them:
 * {@code groundup fetch-mnist} puts MNIST in {@link KnownDataset#managedDirectory}.
 */
public final class Mnist {
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte", TRAIN_LABELS = "train-labels-idx1-ubyte";
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte", TEST_LABELS = "t10k-labels-idx1-ubyte";
    public static final Shape SAMPLE = Shape.of(1, 28, 28);

    private Mnist() {}

    /**
     * A data set's two halves, and the files they were read from (null for sets made in memory):
     * a run records those, so that resuming it can refuse other files.
     */
    public record Split(Dataset train, Dataset test, DataFiles files) {
        public Split(Dataset train, Dataset test) { this(train, test, null); }
    }

    public static Split load(Path dir) throws IOException { return load(dir, "mnist"); }

    /**
     * The four files of dir; the sets are named NAME-train and NAME-test. An
     * InvalidFileException or a FileAccessException names the file that cannot be read.
     */
    public static Split load(Path dir, String name) throws IOException {
        if (!java.nio.file.Files.isRegularFile(dir.resolve(TRAIN_IMAGES)) && !java.nio.file.Files.isRegularFile(dir.resolve(TEST_IMAGES))) {
            throw new groundup.errors.InvalidFileException(dir, "holds no " + TRAIN_IMAGES + " or " + TEST_IMAGES + ": give a folder of the four IDX"
                    + " files, or fetch MNIST into " + KnownDataset.MNIST.managedDirectory() + " with `groundup fetch-mnist`");
        }
        Map<String, String> sums = new LinkedHashMap<>();
        Dataset train = load(dir.resolve(TRAIN_IMAGES), dir.resolve(TRAIN_LABELS), name + "-train", sums);
        Dataset test = load(dir.resolve(TEST_IMAGES), dir.resolve(TEST_LABELS), name + "-test", sums);
        return new Split(train, test, new DataFiles(name, dir, sums));
    }

    /** One images/labels pair; pixels scaled to [0, 1] as the book's normalize=True. */
    public static Dataset load(Path imagesFile, Path labelsFile, String name) throws IOException {
        return load(imagesFile, labelsFile, name, new LinkedHashMap<>());
    }

    /** sums receives each file's name and SHA-256. */
    private static Dataset load(Path imagesFile, Path labelsFile, String name, Map<String, String> sums) throws IOException {
        IdxReader.Idx im = IdxReader.read(imagesFile, 3);
        IdxReader.Idx lb = IdxReader.read(labelsFile, 1);
        sums.put(imagesFile.getFileName().toString(), im.sha256());
        sums.put(labelsFile.getFileName().toString(), lb.sha256());
        if (im.dims()[1] != 28 || im.dims()[2] != 28) {
            throw new InvalidFileException(imagesFile, "images are " + im.dims()[1] + "x" + im.dims()[2] + ", expected 28x28");
        }
        if (im.dims()[0] != lb.dims()[0]) {
            throw new InvalidFileException(labelsFile, lb.dims()[0] + " labels for " + im.dims()[0] + " images in " + imagesFile);
        }
        int[] labels = new int[lb.dims()[0]];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = lb.data()[i] & 0xFF;
            if (labels[i] > 9) throw new InvalidFileException(labelsFile, "label " + labels[i] + " at index " + i + " is not a digit");
        }
        byte[] px = im.data();
        float[] images = new float[px.length];
        for (int i = 0; i < px.length; i++) images[i] = (px[i] & 0xFF) / 255f;
        return new Dataset(name, images, labels, SAMPLE);
    }
}
