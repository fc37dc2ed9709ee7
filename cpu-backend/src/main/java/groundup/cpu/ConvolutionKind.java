package groundup.cpu;

import groundup.tensor.ConvGeometry;

import java.util.Locale;

/**
 * How the CPU backend convolves, chosen by {@code -Dgroundup.cpu.convolution}:
 * <ul>
 * <li>{@code auto} (the default): per layer, oneDNN where each output sums at least
 *     {@link #AUTO_MIN_TAPS} products (C*kh*kw), image-by-image SGEMM below; SGEMM alone
 *     where oneDNN cannot load, and {@code describe()} then says why;
 * <li>{@code dnnl}: oneDNN's direct convolution in its blocked layouts ({@link DnnlConvolver});
 * <li>{@code gemm}: image by image, im2col in cache and single-threaded SGEMM ({@link CpuConvolver});
 * <li>{@code im2col}: the oracle, im2col of the whole batch and one GEMM ({@code Im2colConvolver}).
 * </ul>
 */
enum ConvolutionKind {
    AUTO, DNNL, GEMM, IM2COL;

    /**
     * Why 16: a oneDNN call carries its activations between NCHW and nChw16c, a pass over
     * memory that costs the same whatever C*kh*kw is; the work grows with it. JMH ConvBench,
     * batch 100, 2 Xeon vCPUs, commit 7588b2f (forward / backward ms, oneDNN against SGEMM):
     * DeepConvNet's conv1 (9 taps) 1.6 / 5.2 against 1.0 / 3.4; its conv2 (144) 9.0 / 8.4
     * against 12.1 / 30.8, conv6 (576) 3.9 / 7.3 against 9.9 / 22.6. SimpleConvNet's conv
     * (25) was slower in oneDNN then (2.8 / 14.8 against 3.2 / 6.2: 64 was the threshold) and
     * is faster since its pooling reads oneDNN's layout in place (a2c13a3: train step 5-9%
     * faster, inference 10-15%). Machine-dependent: on a Zen 5 DeepConvNet's step with conv1
     * on oneDNN too was within the rounds' spread of auto's. docs/benchmarks.md, "Why the
     * threshold is 16 taps", has the tables and the commands.
     */
    static final int AUTO_MIN_TAPS = 16;

    static ConvolutionKind chosen(String property) {
        String p = property == null ? "auto" : property.trim().toLowerCase(Locale.ROOT);
        switch (p) {
            case "auto":
                return AUTO;
            case "dnnl":
                Dnnl.engine();              // throws, saying why, where oneDNN cannot load
                return DNNL;
            case "gemm":
                return GEMM;
            case "im2col":
                return IM2COL;
            default:
                throw new IllegalArgumentException("groundup.cpu.convolution must be auto, dnnl, gemm or im2col, got '" + property + "'");
        }
    }

    /** The kind this one runs for a layer: AUTO resolved to DNNL or GEMM, the others as they are. */
    ConvolutionKind forLayer(ConvGeometry g) {
        if (this != AUTO) return this;
        return g.c() * g.kh() * g.kw() >= AUTO_MIN_TAPS && Dnnl.available() ? DNNL : GEMM;
    }

    /** threads: the backend's own (groundup.threads), which oneDNN's OpenMP threads should match. */
    String describe(int threads) {
        String dnnlThreads = this == AUTO || this == DNNL ? Dnnl.threadWarning(NativeEnvironment.effective(), threads, Runtime.getRuntime().availableProcessors()) : "";
        return switch (this) {
            case AUTO -> Dnnl.available()
                    ? "convolution " + Dnnl.describe() + " where C*kh*kw >= " + AUTO_MIN_TAPS + ", else image by image with SGEMM" + dnnlThreads
                            + ", its " + BlockedPooling.describeVector()
                    : "convolution image by image with SGEMM" + Dnnl.whyNot();
            case DNNL -> "convolution " + Dnnl.describe() + dnnlThreads + ", its " + BlockedPooling.describeVector();
            case GEMM -> "convolution image by image with SGEMM";
            case IM2COL -> "convolution im2col of the batch + one GEMM (the oracle)";
        };
    }
}
