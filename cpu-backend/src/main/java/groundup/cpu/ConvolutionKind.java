package groundup.cpu;

import java.util.Locale;

/**
 * How the CPU backend convolves, chosen by {@code -Dgroundup.cpu.convolution}:
 * <ul>
 * <li>{@code auto} (the default): oneDNN for every layer where it loads; image-by-image SGEMM
 *     where it cannot, and {@code describe()} then says why;
 * <li>{@code dnnl}: oneDNN's direct convolution in its blocked layouts ({@link DnnlConvolver});
 * <li>{@code gemm}: image by image, im2col in cache and single-threaded SGEMM ({@link CpuConvolver});
 * <li>{@code im2col}: the oracle, im2col of the whole batch and one GEMM ({@code Im2colConvolver}).
 * </ul>
 */
enum ConvolutionKind {
    AUTO, DNNL, GEMM, IM2COL;

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

    /**
     * The kind this one runs: AUTO resolved to DNNL where oneDNN loads, else GEMM; the others as
     * they are. Why oneDNN for every layer, the narrowest too (DeepConvNet's conv1, C*kh*kw = 9):
     * with the layouts kept between convolutions, conv1 on oneDNN writes the layout conv2 reads
     * and reads its dy as conv2 left it, where SGEMM needs both converted (6 conversions a step
     * against 4); DeepConvNet's train step takes 0.95x and 0.96x its time with conv1 on SGEMM,
     * faster in 34 and 32 of 40 alternating rounds (Zen 5, 2 vCPUs). docs/benchmarks.md, "Which
     * convolution runs where", has the tables and the commands.
     */
    ConvolutionKind resolved() { return resolved(Dnnl.available()); }

    /** {@link #resolved()} where oneDNN does (dnnlLoads) or does not load. */
    ConvolutionKind resolved(boolean dnnlLoads) {
        if (this != AUTO) return this;
        return dnnlLoads ? DNNL : GEMM;
    }

    /** threads: the backend's own (groundup.threads), which oneDNN's OpenMP threads should match. */
    String describe(int threads) {
        String dnnlThreads = this == AUTO || this == DNNL ? Dnnl.threadWarning(NativeEnvironment.effective(), threads, Runtime.getRuntime().availableProcessors()) : "";
        return switch (this) {
            case AUTO -> Dnnl.available()
                    ? "convolution " + Dnnl.describe() + dnnlThreads + ", its " + BlockedPooling.describeVector()
                    : "convolution image by image with SGEMM" + Dnnl.whyNot();
            case DNNL -> "convolution " + Dnnl.describe() + dnnlThreads + ", its " + BlockedPooling.describeVector();
            case GEMM -> "convolution image by image with SGEMM";
            case IM2COL -> "convolution im2col of the batch + one GEMM (the oracle)";
        };
    }
}
