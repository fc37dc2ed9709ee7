package groundup.data;

import groundup.errors.InvalidFileException;
import groundup.tensor.Shape;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Loads a data set in MNIST's format from the four raw IDX files in a directory (MNIST,
 * Fashion-MNIST, one's own: see {@link DatasetFetch}): 28x28 images, labels 0-9.
 */
public final class Mnist {
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte", TRAIN_LABELS = "train-labels-idx1-ubyte";
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte", TEST_LABELS = "t10k-labels-idx1-ubyte";
    public static final Shape SAMPLE = Shape.of(1, 28, 28);

    private Mnist() {}

    public record Split(Dataset train, Dataset test) {}

    public static Split load(Path dir) throws IOException { return load(dir, "mnist"); }

    /** The four files of dir; the sets are named NAME-train and NAME-test. */
    public static Split load(Path dir, String name) throws IOException {
        return new Split(load(dir.resolve(TRAIN_IMAGES), dir.resolve(TRAIN_LABELS), name + "-train"),
                load(dir.resolve(TEST_IMAGES), dir.resolve(TEST_LABELS), name + "-test"));
    }

    /** One images/labels pair; pixels scaled to [0, 1] as the book's normalize=True. */
    public static Dataset load(Path imagesFile, Path labelsFile, String name) throws IOException {
        IdxReader.Idx im = IdxReader.read(imagesFile, 3);
        IdxReader.Idx lb = IdxReader.read(labelsFile, 1);
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
