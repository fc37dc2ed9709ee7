package groundup.backend;

import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import groundup.tensor.TensorOwner;

/**
 * The primitives every layer is written against; all a backend (CPU, CUDA) implements.
 *
 * <p><b>Conventions.</b> float32, row-major. Where an op speaks of matrices, a tensor of
 * shape (d0, d1, ...) is the matrix (d0, d1*...): see {@link Shape#rows()}. Inputs are
 * never modified; outputs are named {@code out}, {@code y}, {@code dx}... and are fully
 * overwritten unless the method says it accumulates. An output may not alias an input
 * unless the method allows it. Ops may run asynchronously: only {@link #download},
 * {@link #dot} and {@link #synchronize} wait for the device.
 *
 * <p><b>Errors.</b> Shapes that do not fit, or a tensor allocated by another backend,
 * throw {@link IllegalArgumentException} naming the op and the shapes, before anything
 * is written. {@link Checks} holds those checks so every backend rejects alike.
 */
public interface Backend extends TensorOwner, AutoCloseable {

    /** "cpu", "cuda": the name the {@code groundup.backend} property uses. */
    @Override String name();

    /** One line for logs: the device, threads, libraries. */
    String describe();

    // ---- memory -------------------------------------------------------------------

    /** A new zero-filled tensor owned by this backend; close it to free the memory. */
    Tensor allocate(Shape shape);

    /** Copies {@code dst.size()} floats from {@code src[offset...]} into {@code dst}. */
    void upload(float[] src, int offset, Tensor dst);

    /**
     * Uploads {@code dst.size()} class indices (as floats) from {@code labels[offset...]}, after
     * checking on the host that each is an integer in [0, classes): a bad label is an
     * {@link IllegalArgumentException} naming it and its row, alike on every backend, before
     * anything is written. The losses take their labels from here.
     */
    default void uploadLabels(float[] labels, int offset, int classes, Tensor dst) {
        Checks.labels("uploadLabels", labels, offset, dst.size(), classes);
        upload(labels, offset, dst);
    }

    /**
     * A tensor of {@code shape} holding {@code data} (exactly shape.size() floats) while it lives:
     * data a run reads again and again, a training set. A device uploads it once; the CPU keeps
     * the array itself, with no copy, so the caller must not change it while the tensor lives.
     */
    default Tensor hold(float[] data, Shape shape) {
        if (data.length != shape.size()) throw new IllegalArgumentException("hold: " + data.length + " floats for " + shape);
        Tensor t = allocate(shape);
        upload(data, 0, t);
        return t;
    }

    /** Copies all of {@code src} into {@code dst[offset...]}; waits for pending work. */
    void download(Tensor src, float[] dst, int offset);

    /** {@link #download} for a tensor's owner, which knows only the handle: what {@link Tensor#toArray} calls. */
    @Override default void copyOut(Object handle, int count, float[] dst, int offset) {
        download(Tensor.wrap(this, Shape.of(count), handle, () -> { }), dst, offset);
    }

    void fill(Tensor t, float value);

    /** dst = src; same size (shapes may differ). */
    void copy(Tensor src, Tensor dst);

    // ---- linear algebra ------------------------------------------------------------

    /**
     * c = alpha * op(a) * op(b) + beta * c, row-major, where op(m) is m or its transpose.
     * op(a) is (M, K), op(b) is (K, N), c is (M, N). With beta = 0, c's old contents
     * are ignored (NaN included).
     */
    void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    /**
     * {@link #gemm} with a and b rounded to {@code precision} first ({@link Precision#round}:
     * nearest, ties to even) and the products summed in float32: what a network in that
     * precision multiplies with. FP32 is {@link #gemm} itself; a backend overrides this for
     * the precisions it has ({@link #precisionDetail} says which) and leaves a and b unchanged.
     */
    default void gemm(Precision precision, boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        if (precision == Precision.FP32) {
            gemm(transA, transB, alpha, a, b, beta, c);
            return;
        }
        throw new IllegalArgumentException("gemm: backend '" + name() + "' has no " + precision + " products");
    }

    /**
     * One line on how {@code precision} runs here, for logs and run summaries: "fp32", "bf16 on
     * oneDNN's AMX kernels", "bf16 emulated: ...". A precision this backend cannot run at all is
     * an IllegalArgumentException saying why (TF32 on the CPU), before any network is built.
     */
    default String precisionDetail(Precision precision) {
        if (precision == Precision.FP32) return "fp32";
        throw new IllegalArgumentException("backend '" + name() + "' cannot run " + precision + " products; it runs fp32");
    }

    /** x (B, R, C) to y (B, C, R): a batch of matrix transposes, e.g. NHWC to NCHW. */
    void batchedTranspose(Tensor x, int batch, int rows, int cols, Tensor y);

    // ---- convolution ---------------------------------------------------------------

    /** x (n, c, h, w) to col (n*oh*ow, c*kh*kw); padding reads as zero. */
    void im2col(Tensor x, ConvGeometry g, Tensor col);

    /**
     * The adjoint of im2col: col (n*oh*ow, c*kh*kw) to dx (n, c, h, w), summing where
     * windows overlap, dropping the padding. &lt;im2col(x), y&gt; == &lt;x, col2im(y)&gt;.
     */
    void col2im(Tensor col, ConvGeometry g, Tensor dx);

    /**
     * A convolution of geometry g with {@code filters} filters, made once per geometry and reused
     * every step (see {@link Convolver}). The default composes im2col, GEMM and a transpose
     * ({@link Im2colConvolver}), the oracle; a backend overrides it where it can do better.
     */
    default Convolver convolver(ConvGeometry g, int filters) { return new Im2colConvolver(this, g, filters); }

    /**
     * A convolution whose products take their inputs in {@code precision}: x and w forward, dy
     * and w for dx, x and dy for dw, each rounded as {@link #gemm(Precision, boolean, boolean,
     * float, Tensor, Tensor, float, Tensor)} rounds them, sums in float32, every output float32.
     * FP32 is {@link #convolver(ConvGeometry, int)}; the default otherwise is the im2col
     * oracle on that gemm.
     */
    default Convolver convolver(ConvGeometry g, int filters, Precision precision) {
        return precision == Precision.FP32 ? convolver(g, filters) : new Im2colConvolver(this, g, filters, precision);
    }

    /**
     * Max pooling: x (n, c, h, w) to y (n, c, oh, ow) with padding that never wins; argmax
     * (same shape as y) receives the index of the winner inside its window, ky*kw + kx.
     */
    void maxPool(Tensor x, ConvGeometry g, Tensor y, Tensor argmax);

    /** dx (n, c, h, w) = 0, then each dy is added at its window's winner. */
    void maxPoolBackward(Tensor dy, Tensor argmax, ConvGeometry g, Tensor dx);

    // ---- elementwise -------------------------------------------------------------

    /** y = f(x), same size. y may be x. */
    void activation(Activation f, Tensor x, Tensor y);

    /**
     * dx = f'(.) * dy. {@code saved} is the forward input for RELU and the forward
     * output for SIGMOID and TANH (see {@link Activation}). dx may be dy.
     */
    void activationBackward(Activation f, Tensor saved, Tensor dy, Tensor dx);

    /** out = a * b elementwise, same size. out may be a or b. */
    void mul(Tensor a, Tensor b, Tensor out);

    /** out = alpha * x. out may be x. */
    void scale(float alpha, Tensor x, Tensor out);

    /** y += alpha * x. */
    void axpy(float alpha, Tensor x, Tensor y);

    /** out (R, C) = x (R, C) + v (C) on every row. out may be x. */
    void addRowVector(Tensor x, Tensor v, Tensor out);

    // ---- reductions ----------------------------------------------------------------

    /** out (C) = sum over the rows of x (R, C): the bias gradient. */
    void sumRows(Tensor x, Tensor out);

    /** out (R) = index of the largest entry of each row of x (R, C), as a float; first wins ties. */
    void argmaxRows(Tensor x, Tensor out);

    /** Sum of a[i]*b[i] in double precision (waits for the device). */
    double dot(Tensor a, Tensor b);

    // ---- rows at a position held on the device ---------------------------------------
    // What lets a training step run without waiting for the host: where it reads its batch and
    // writes its results is a number in device memory, at (1), a row position as a float, read
    // when the op runs rather than when it is issued, so the same ops serve every step.

    /**
     * dst row i = src row index[p + i] for each row i of dst, p = at[0]: a mini-batch picked from
     * a data set the backend holds. src (R, ...) and dst (M, ...) have rows of one size; index
     * (K) holds row numbers of src as floats. A row whose position p + i is outside index, or
     * whose index entry is not a row of src, is NaN on every backend (no device check, which
     * would need a wait; a NaN batch shows as a NaN loss).
     */
    void gatherRows(Tensor src, Tensor index, Tensor at, Tensor dst);

    /**
     * dst rows [p, p + M) = src (M, ...), p = at[0]: a step's result written into a log of one row
     * per step. Rows of one size; where p is not a position at which src fits in dst, nothing
     * is written.
     */
    void putRows(Tensor src, Tensor at, Tensor dst);

    /** out (1) = the number of i with a[i] == b[i], a float (exact below 2^24): predictions that match labels. */
    void countEqual(Tensor a, Tensor b, Tensor out);

    // ---- losses --------------------------------------------------------------------

    /**
     * probs (N, C) = softmax of each row of logits (row max subtracted); loss (1) = mean
     * over rows of the cross-entropy -log softmax(logits)[label] = max + log(sum exp(z - max)) - z[label],
     * in double from the logits. Not clamped (the book adds 1e-7 to the probability, which caps a
     * row at 16.1 and hides a network gone wrong): a confidently wrong row counts in full, and a
     * logit that is not finite makes the loss NaN. labels (N) hold class indices as floats, as
     * {@link #uploadLabels} checked them; a backend need not check them again (the CPU does and
     * throws, CUDA cannot without waiting and makes the loss NaN).
     */
    void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor probs, Tensor loss);

    /** dx (N, C) = (probs - onehot(labels)) / N: the gradient of the mean loss. */
    void softmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dx);

    // ---- normalization and regularization -------------------------------------------

    /**
     * Batch normalization in training mode over x (N, C, ...): statistics per channel C,
     * over the N and all trailing (spatial) positions. y = gamma*(x-mean)*invStd + beta,
     * invStd = 1/sqrt(var + eps) with the biased variance. mean and invStd (C) are saved
     * for backward; runMean, runVar (C) become momentum*run + (1-momentum)*batch.
     */
    void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, float momentum, float eps,
                        Tensor y, Tensor mean, Tensor invStd, Tensor runMean, Tensor runVar);

    /** y = gamma*(x - runMean)/sqrt(runVar + eps) + beta, per channel as above. */
    void batchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar, float eps, Tensor y);

    /** Gradients of {@link #batchNormTrain}: dx, and dgamma, dbeta (C) overwritten. */
    void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd,
                           Tensor dx, Tensor dgamma, Tensor dbeta);

    /**
     * Inverted dropout: mask[i] = (u(s, i) >= ratio) / (1 - ratio), y = x * mask, where u is
     * {@link DropoutHash#uniform}, so every backend draws the same mask, and s =
     * {@link DropoutHash#seed}(seed, step[0]): step (1) holds a count of steps as a float, read on
     * the device when the op runs, so a recorded step draws a new mask each time it is launched.
     * A count that is not a non-negative integer makes the mask and y NaN.
     */
    void dropout(Tensor x, float ratio, long seed, Tensor step, Tensor mask, Tensor y);

    // ---- optimizers ----------------------------------------------------------------

    /** One step of {@code rule} on param; s1, s2 are its state (null where unused). */
    void optimizerStep(UpdateRule rule, Tensor param, Tensor grad, Tensor s1, Tensor s2);

    /**
     * {@link #optimizerStep} on every parameter of a network at once (one launch where the
     * backend can): for each i, params[i] with grads[i] and its state s1[i], s2[i] (null entries,
     * or null arrays, where the rule has no such state), with the rule's weight decay only where
     * decays[i]. The learning rate is rates[p], p = at[0], read on the device when the step runs
     * (rule.lr() is not used): with a table of the coming steps' rates (a schedule, Adam's bias
     * correction) and a position the device advances, a step needs no value from the host. A p
     * outside rates makes the parameters NaN (no device check, which would need a wait).
     */
    void optimizerSteps(UpdateRule rule, Tensor rates, Tensor at, Tensor[] params, Tensor[] grads, Tensor[] s1, Tensor[] s2, boolean[] decays);

    /**
     * Records the ops {@code body} issues as a {@link StepGraph}, whose launch issues them again:
     * so whatever changes from one launch to the next must be read from device memory (a
     * position for {@link #gatherRows}, a rate for {@link #optimizerSteps}), never passed as an
     * argument. Recording issues nothing; launching does. The body may not wait for the device,
     * allocate, free or upload, and must leave the host in the same state each time it runs: a
     * backend may run it once to record it (CUDA captures the stream into a CUDA graph,
     * instantiated once, so a launch is one driver call) or at every launch (the default here,
     * and the CPU's, whose ops are calls: nothing to save).
     */
    default StepGraph record(Runnable body) { return body::run; }

    /**
     * Bytes of device memory this backend holds now (tensors and its own buffers), for soak
     * checks; -1 where it has no device memory of its own (the CPU's tensors live on the Java heap).
     */
    default long deviceBytesInUse() { return -1; }

    /** Waits until every op issued so far has finished. */
    void synchronize();

    /**
     * A timer of spans of the work issued to this backend, as the device runs them (a profile's
     * clock). The default waits for the device at each mark and reads the host clock; a backend
     * with events overrides it (CUDA records them on its stream). Close it when done.
     */
    default DeviceTimer timer() { return new HostClockTimer(this); }

    /** Frees what the backend holds (thread pools, device context). */
    @Override void close();
}
