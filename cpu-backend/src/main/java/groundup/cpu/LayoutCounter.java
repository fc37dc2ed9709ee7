package groundup.cpu;

/**
 * How many times, and over how many floats, the CPU backend carried an activation between our
 * NCHW arrays and one of oneDNN's layouts (a Java pack or unpack, or a oneDNN reorder), since the
 * backend was made: what keeping oneDNN's layout between convolutions saves, counted rather than
 * timed ({@link CpuBackend#layoutConversions}). Weights are not counted: they change every step
 * and are reordered every step whatever the activations do. One backend, one thread at a time.
 */
final class LayoutCounter {
    private long conversions, floats;

    void converted(long n) {
        conversions++;
        floats += n;
    }

    long conversions() { return conversions; }

    long floats() { return floats; }
}
