package groundup.data;

import groundup.tensor.Shape;

/**
 * Images and their labels in host memory: {@code images} holds {@code count} samples of
 * {@code sampleShape} each, row-major, scaled to [0, 1]; {@code labels} holds class indices.
 */
public record Dataset(String name, float[] images, int[] labels, Shape sampleShape) {

    public Dataset {
        int per = sampleShape.size();
        if (images.length != labels.length * per) {
            throw new IllegalArgumentException(name + ": " + images.length + " pixels for " + labels.length
                    + " labels of " + sampleShape + " each");
        }
    }

    public int count() { return labels.length; }

    /** The first n samples (a view-like copy), for quick runs and tests. */
    public Dataset head(int n) {
        if (n <= 0 || n > count()) throw new IllegalArgumentException(name + ": cannot take " + n + " of " + count() + " samples");
        int per = sampleShape.size();
        return new Dataset(name + "[:" + n + "]", java.util.Arrays.copyOf(images, n * per), java.util.Arrays.copyOf(labels, n), sampleShape);
    }
}
