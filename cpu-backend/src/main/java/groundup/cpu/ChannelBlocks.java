package groundup.cpu;

/**
 * The tiles of an activation (N, C, H, W) that oneDNN holds as (N, ceil(C/B), H, W, B), one per
 * (image, channel block), split over the backend's threads: what {@link DnnlOperand}'s packing
 * and {@link BlockedPooling} walk. Tile {@code item} starts at float {@code item * B * H * W}
 * of the blocked memory and holds channels c0 .. c0+lanes of its image (lanes &lt; B only in
 * the last block, whose other lanes are padding).
 */
final class ChannelBlocks {
    private ChannelBlocks() {}

    interface Tile {
        /** thread: the worker's index (for its own scratch arrays). */
        void run(int thread, int item, int image, int c0, int lanes);
    }

    /**
     * body on every tile, the tiles split over the threads. o: the caller's own operands, which
     * this fills and clears (a call allocates nothing); body is best a field made once.
     */
    static void forEach(Parallel parallel, Parallel.Operands o, int images, int channels, int block, Tile body) {
        int blocks = (channels + block - 1) / block, items = images * blocks, parts = Math.min(parallel.threads(), items);
        o.i = items;
        o.j = parts;
        o.k = blocks;
        o.l = block;
        o.m = channels;
        o.x = body;
        try {
            parallel.forRange(parts, 1, TILES, o);
        } finally {
            o.clear();
        }
    }

    private static final Parallel.Body TILES = (o, lo, hi) -> {
        int items = o.i, parts = o.j, blocks = o.k, block = o.l, channels = o.m;
        Tile body = (Tile) o.x;
        for (int t = lo; t < hi; t++) {
            for (int item = items * t / parts, end = items * (t + 1) / parts; item < end; item++) {
                int c0 = item % blocks * block;
                body.run(t, item, item / blocks, c0, Math.min(block, channels - c0));
            }
        }
    };
}
