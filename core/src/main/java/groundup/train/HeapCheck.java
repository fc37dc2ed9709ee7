package groundup.train;

import groundup.errors.InvalidSettingException;
import groundup.nn.ConvBlock;
import groundup.nn.Layer;
import groundup.nn.NetworkSpec;
import groundup.nn.Sequential;
import groundup.tensor.Shape;
import java.util.List;
import java.util.Locale;

/**
 * Whether a network and a batch fit in the Java heap, answered before anything of their size
 * is allocated: too large is one line saying what to lower, not an OutOfMemoryError (or a
 * NegativeArraySizeException) part way into a step.
 *
 * <p>The estimate per image is a floor: the input twice (host array and tensor), the scores
 * twice, the output of every layer (a {@link groundup.nn.ConvBlock} is one) and, when training,
 * every layer's input gradient but the first's, in float32. Layers keep more (pooling's argmax, a convolution's columns): on the
 * CPU backend simple-cnn's training step at batch 12,000 fits a 1 GiB heap and at 20,000 does
 * not (50 to 85 KB an image, 42.5 KB estimated); two-layer takes 8.6 KB an image (7.2 estimated). A batch past the floor is refused at once; one between the floor and the
 * truth runs out of heap in its first step, which {@link TrainingRun#run} reports in one line
 * as well. On a device backend only the host arrays are on the heap.
 */
public final class HeapCheck {
    private HeapCheck() {}

    /** Heap bytes one image takes through a training step (training) or a scoring pass of net. */
    public static long bytesPerImage(Sequential net, boolean training) {
        Shape s = net.batchShape(1);
        long input = s.size(), floats = 2 * input + 2L * net.classes();
        if (net.backend().deviceBytesInUse() >= 0) return 4 * (input + 1);
        List<Layer> layers = net.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            // a block run as its parts keeps each part's output; a fused one, its own
            List<Layer> steps = l instanceof ConvBlock cb && cb.fused() ? List.of(l) : l.parts();
            for (Layer step : steps) {
                Shape out = step.outputShape(s);
                floats += out.size();
                if (training && (i > 0 || step != steps.get(0))) floats += s.size();
                s = out;
            }
        }
        return 4 * floats;
    }

    /**
     * Throws an InvalidSettingException for "batch" when a batch of min(batch, images) images
     * needs more heap than is free (after a collection, when the first look says no), or makes
     * a tensor larger than a backend holds.
     *
     * @param images the largest set the batch is cut from: no batch holds more
     */
    public static void batch(Sequential net, int batch, int images, boolean training) {
        long n = Math.max(1, Math.min(batch, (long) images)), per = bytesPerImage(net, training), need = n * per;
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (need > free) {
            System.gc();
            free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        }
        if (need > free) {
            long fits = free / per * 9 / 10;      // a margin: the heap in use moves
            throw new InvalidSettingException(RunConfig.BATCH, String.format(Locale.ROOT,
                    "batch %d: a batch of %d images needs about %s of Java heap to %s, and %s of the %s heap is free: lower the batch to %s"
                            + " or give Java more heap (-Xmx)", batch, n, gib(need), training ? "train" : "score", gib(free), gib(rt.maxMemory()),
                    fits >= 1 ? "at most " + round(fits) : "a few images"));
        }
        largestTensor(net, batch, n);
    }

    /**
     * The CPU backend hands its native buffers (oneDNN's) to Java as ByteBuffers, which stop at
     * 2 GiB, and oneDNN's blocked layouts pad channels (simple-cnn's 30 to 32): a batch whose
     * largest tensor is over half that fails inside a convolution (an IndexOutOfBoundsException
     * at batch 30,000 of simple-cnn). A Shape stops at 2^31 elements on any backend.
     */
    static final long MAX_HOST_TENSOR_BYTES = 1L << 30, MAX_TENSOR_ELEMENTS = Integer.MAX_VALUE - 8;

    private static void largestTensor(Sequential net, int batch, long n) {
        Shape s = net.batchShape(1);
        long largest = s.size();
        String which = "input";
        for (Layer l : net.layers()) {
            for (Layer part : l.parts()) {             // a convolution block's convolution writes a full-size output before it pools
                s = part.outputShape(s);
                if (s.size() > largest) {
                    largest = s.size();
                    which = "output of " + part.describe();
                }
            }
        }
        long most = net.backend().deviceBytesInUse() >= 0 ? MAX_TENSOR_ELEMENTS : MAX_HOST_TENSOR_BYTES / 4;
        if (n * largest > most) {
            throw new InvalidSettingException(RunConfig.BATCH, String.format(Locale.ROOT, "batch %d: a batch of %d images makes a tensor of "
                    + "%,d floats (the %s), more than the %,d a tensor may hold: lower the batch to at most %s", batch, n, n * largest, which, most,
                    round(most / largest)));
        }
    }

    /**
     * Throws an InvalidSettingException for "hidden" when an mlp's parameters, with their
     * gradients and two optimizer states, need more heap than Java may have (the other networks
     * are fixed and small).
     */
    public static void network(NetworkSpec spec) {
        if (!spec.net().equals("mlp")) return;
        long in = 28 * 28, params = 0;
        for (int h : spec.hidden()) {
            params += (in + 1) * h;
            in = h;
        }
        params += (in + 1) * 10;
        long need = 16 * params, max = Runtime.getRuntime().maxMemory();
        if (params > Integer.MAX_VALUE || need > max) {
            throw new InvalidSettingException("hidden", String.format(Locale.ROOT, "hidden %s: an mlp of these sizes has %,d parameters, "
                    + "which with their gradients and optimizer state need about %s of Java heap (at most %s): lower the hidden sizes",
                    spec.hidden(), params, gib(need), gib(max)));
        }
    }

    /** Down to two significant digits: 15,534 as 15,000. */
    private static long round(long fits) {
        long p = 1;
        while (p * 100 <= fits) p *= 10;
        return fits / p * p;
    }

    private static String gib(long bytes) { return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30)); }
}
