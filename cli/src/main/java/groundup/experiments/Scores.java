package groundup.experiments;

import groundup.backend.Backend;
import groundup.data.Dataset;
import groundup.nn.Mode;
import groundup.nn.Sequential;
import groundup.tensor.Tensor;

/** A network's class probabilities for a whole data set, in inference mode, on the host. */
public final class Scores {
    private Scores() {}

    /** (count, classes) softmax probabilities, row-major. */
    public static float[] probabilities(Sequential net, Dataset data, int batch) { return probabilities(net, data, batch, Progress.none()); }

    /** The same, reporting images scored so far. */
    public static float[] probabilities(Sequential net, Dataset data, int batch, Progress progress) {
        Backend b = net.backend();
        int n = data.count(), per = data.sampleShape().size(), classes = net.classes();
        float[] out = new float[n * classes], host = new float[batch * per];
        for (int start = 0; start < n; start += batch) {
            int m = Math.min(batch, n - start);
            try (Tensor x = b.allocate(net.batchShape(m))) {
                System.arraycopy(data.images(), start * per, host, 0, m * per);
                b.upload(host, 0, x);
                float[] s = net.predict(x, Mode.INFERENCE).toArray();
                for (int i = 0; i < m; i++) softmax(s, i * classes, classes, out, (start + i) * classes);
            }
            progress.update("images scored", start + m, n);
        }
        return out;
    }

    private static void softmax(float[] s, int from, int k, float[] out, int to) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) max = Math.max(max, s[from + j]);
        double sum = 0;
        for (int j = 0; j < k; j++) sum += Math.exp(s[from + j] - max);
        for (int j = 0; j < k; j++) out[to + j] = (float) (Math.exp(s[from + j] - max) / sum);
    }

    /** The most probable class of row i. */
    public static int argmax(float[] p, int i, int k) {
        int best = 0;
        for (int j = 1; j < k; j++) if (p[i * k + j] > p[i * k + best]) best = j;
        return best;
    }
}
