package groundup.cli;

import groundup.data.Dataset;
import groundup.data.Mnist;
import java.util.Random;

/** A learnable MNIST-shaped task: class k lights a k-dependent bar of pixels, plus noise. */
final class Synthetic {
    private Synthetic() {}

    static Dataset make(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 784];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(10);
            y[i] = k;
            for (int p = 0; p < 784; p++) x[i * 784 + p] = 0.3f * r.nextFloat();
            int row = 3 + 2 * k, start = 2 + r.nextInt(5);   // a bar at a class-specific row, shifted sideways
            for (int c = start; c < start + 18; c++) x[i * 784 + row * 28 + c] = 1f;
        }
        return new Dataset("synthetic", x, y, Mnist.SAMPLE);
    }
}
