package groundup.cpu;

import java.nio.FloatBuffer;

/**
 * An activation (N, C, H, W) in one of oneDNN's channel-blocked layouts, (N, ceil(C/B), H, W, B)
 * (nChw16c: B = 16, nChw8c: B = 8), in off-heap floats, and the Java loops that carry it to and
 * from our NCHW arrays: a (B, H*W) tile per (image, channel block) through an array that stays
 * in cache ({@link ChannelBlocks}), one pass over memory. The padding lanes of the last block
 * (channels C.. of it) are always written +0: oneDNN reads them, and a NaN there would reach
 * real outputs through a zero weight.
 *
 * <p>Every pack or unpack is a layout conversion and is counted in {@link LayoutCounter};
 * {@link #relu} and {@link #maskedFrom} stay in the layout and are not.
 */
final class BlockedActivation {
    final int images, channels, hw, block;
    private final long[] dims;
    private final FloatBuffer floats;
    private final Parallel parallel;
    private final LayoutCounter counter;
    private float[][] tiles;                    // one (B, H*W) tile per thread, made on the first call
    private float[][] tiles2;                   // a second per thread, for maskedFrom
    // each walk's operands, set for the walk: its tile body is a method made an object once, not a
    // lambda per call (a step allocates nothing); not for two threads at once, as the tensor is not
    private final Parallel.Operands ops = new Parallel.Operands();
    private float[] src, y;
    private boolean relu;
    private BlockedActivation that, dy, yAct;
    private groundup.backend.Precision precision;
    private final ChannelBlocks.Tile roundTile = this::roundTile, packTile = this::packTile, unpackTile = this::unpackTile,
            reluTile = this::reluTile, maskTile = this::maskTile;

    /** dims {N, C, H, W}; floats: the blocked memory (ceil(C/B)*B*N*H*W floats or more). */
    BlockedActivation(long[] dims, int block, FloatBuffer floats, Parallel parallel, LayoutCounter counter) {
        this.dims = dims.clone();
        this.images = Math.toIntExact(dims[0]);
        this.channels = Math.toIntExact(dims[1]);
        this.hw = Math.toIntExact(dims[2] * dims[3]);
        this.block = block;
        this.floats = floats;
        this.parallel = parallel;
        this.counter = counter;
    }

    FloatBuffer floats() { return floats; }

    /** {N, C, H, W}; the caller does not modify it. */
    long[] dims() { return dims; }

    /**
     * that = this rounded to p, float for float, padding lanes included (they are +0, which
     * rounds to +0); that has this one's layout. Stays in the layout: not a conversion.
     */
    void roundInto(groundup.backend.Precision p, BlockedActivation that) {
        tiles();
        precision = p;
        this.that = that;
        try {
            ChannelBlocks.forEach(parallel, ops, images, channels, block, roundTile);
        } finally {
            this.that = null;
        }
    }

    private void roundTile(int t, int item, int image, int c0, int lanes) {
        int tile = block * hw;
        float[] r = tiles[t];
        floats.get(item * tile, r, 0, tile);
        CpuBackend.roundRange(precision, r, r, 0, tile);
        that.floats.put(item * tile, r, 0, tile);
    }

    /** The real floats N*C*H*W (without the padding lanes). */
    int size() { return images * channels * hw; }

    /** The floats the layout takes, padding lanes included. */
    int paddedSize() { return images * ((channels + block - 1) / block) * block * hw; }

    private float[][] tiles() {
        if (tiles == null) tiles = new float[parallel.threads()][block * hw];
        return tiles;
    }

    /** this = src (N, C, H, W); where y is given, src masked to where y is positive ({@link ReluGradient}). */
    void pack(float[] src, float[] y) {
        counter.converted(size());
        tiles();
        this.src = src;
        this.y = y;
        try {
            ChannelBlocks.forEach(parallel, ops, images, channels, block, packTile);
        } finally {
            this.src = this.y = null;
        }
    }

    private void packTile(int t, int item, int image, int c0, int lanes) {
        int tile = block * hw;
        float[] r = tiles[t], src = this.src, y = this.y;
        int plane = (image * channels + c0) * hw;                   // channel c0's plane
        for (int l = 0; l < lanes; l++, plane += hw) {              // plane by plane: reads run along the array
            if (y == null) {
                for (int i = 0, at = l; i < hw; i++, at += block) r[at] = src[plane + i];
            } else {
                for (int i = 0, at = l; i < hw; i++, at += block) r[at] = ReluGradient.of(src[plane + i], y[plane + i]);
            }
        }
        for (int l = lanes; l < block; l++) {
            for (int at = l; at < tile; at += block) r[at] = 0f;
        }
        floats.put(item * tile, r, 0, tile);
    }

    /** dst (N, C, H, W) = this; with relu, max(this, 0) (CpuBackend's ReLU: NaN kept). The inverse of {@link #pack}. */
    void unpack(float[] dst, boolean relu) {
        counter.converted(size());
        tiles();
        this.src = dst;
        this.relu = relu;
        try {
            ChannelBlocks.forEach(parallel, ops, images, channels, block, unpackTile);
        } finally {
            this.src = null;
        }
    }

    private void unpackTile(int t, int item, int image, int c0, int lanes) {
        int tile = block * hw;
        float[] r = tiles[t], dst = this.src;
        int plane = (image * channels + c0) * hw;
        floats.get(item * tile, r, 0, tile);
        for (int l = 0; l < lanes; l++, plane += hw) {              // plane by plane: writes run along the array
            if (relu) {
                for (int i = 0, at = l; i < hw; i++, at += block) dst[plane + i] = Math.max(r[at], 0f);
            } else {
                for (int i = 0, at = l; i < hw; i++, at += block) dst[plane + i] = r[at];
            }
        }
    }

    /** this = max(this, 0) in place (CpuBackend's ReLU: NaN kept, -0 to +0; padding lanes stay +0). */
    void relu() {
        tiles();
        ChannelBlocks.forEach(parallel, ops, images, channels, block, reluTile);
    }

    private void reluTile(int t, int item, int image, int c0, int lanes) {
        int tile = block * hw;
        float[] r = tiles[t];
        floats.get(item * tile, r, 0, tile);
        for (int i = 0; i < tile; i++) r[i] = Math.max(r[i], 0f);
        floats.put(item * tile, r, 0, tile);
    }

    /** this = dy where y is positive, else +0 ({@link ReluGradient}): all three in this layout and shape. */
    void maskedFrom(BlockedActivation dy, BlockedActivation y) {
        tiles();
        if (tiles2 == null) tiles2 = new float[parallel.threads()][block * hw];
        this.dy = dy;
        this.yAct = y;
        try {
            ChannelBlocks.forEach(parallel, ops, images, channels, block, maskTile);
        } finally {
            this.dy = this.yAct = null;
        }
    }

    private void maskTile(int t, int item, int image, int c0, int lanes) {
        int tile = block * hw;
        float[] r = tiles[t], s = tiles2[t];
        dy.floats.get(item * tile, r, 0, tile);
        yAct.floats.get(item * tile, s, 0, tile);
        for (int i = 0; i < tile; i++) r[i] = ReluGradient.of(r[i], s[i]);
        floats.put(item * tile, r, 0, tile);
    }
}
