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

    /** The first n samples (a copy), for quick runs and tests. */
    public Dataset head(int n) {
        if (n <= 0 || n > count()) throw new IllegalArgumentException(name + ": cannot take " + n + " of " + count() + " samples");
        return range(0, n, name + "[:" + n + "]");
    }

    /** The last n samples (a copy): a validation set held out from the end of a training set. */
    public Dataset tail(int n) {
        if (n <= 0 || n > count()) throw new IllegalArgumentException(name + ": cannot take the last " + n + " of " + count() + " samples");
        return range(count() - n, count(), name + "[-" + n + ":]");
    }

    private Dataset range(int from, int to, String newName) {
        int per = sampleShape.size();
        return new Dataset(newName, java.util.Arrays.copyOfRange(images, from * per, to * per),
                java.util.Arrays.copyOfRange(labels, from, to), sampleShape);
    }
}
