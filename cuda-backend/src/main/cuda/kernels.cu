// GroundUp's CUDA kernels: every Backend primitive but GEMM (cuBLAS does that).
// Conventions: float32, row-major, NCHW; n = element count; grid-stride loops so any grid size
// covers any n. Shapes in the comments use the Backend's names. Compiled ahead to PTX
// (cuda-backend/build-ptx.sh), loaded with cuModuleLoadData: no nvcc or NVRTC at run time.

// The reduction kernels (dot_partial, mean_f64, count_equal, bn_train, bn_bwd) keep one double per thread in
// shared memory and halve it in a tree: their blockDim.x is a power of two, at most this.
// CudaBackend.REDUCE_THREADS is the same number; CudaKernelsTest checks the PTX against it.
#define REDUCE_THREADS 256

#define LOOP(i, n) for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < (n); \
                        i += (long long)blockDim.x * gridDim.x)

extern "C" {

__global__ void fill_f32(float* x, long long n, float v) { LOOP(i, n) x[i] = v; }

__global__ void relu_fwd(const float* x, float* y, long long n) {
    LOOP(i, n) { float v = x[i]; y[i] = v > 0.f ? v : (v != v ? v : 0.f); }   // NaN propagates
}
__global__ void relu_bwd(const float* x, const float* dy, float* dx, long long n) { LOOP(i, n) dx[i] = x[i] > 0.f ? dy[i] : 0.f; }
__global__ void sigmoid_fwd(const float* x, float* y, long long n) { LOOP(i, n) y[i] = 1.f / (1.f + expf(-x[i])); }
__global__ void sigmoid_bwd(const float* y, const float* dy, float* dx, long long n) { LOOP(i, n) dx[i] = dy[i] * y[i] * (1.f - y[i]); }
__global__ void tanh_fwd(const float* x, float* y, long long n) { LOOP(i, n) y[i] = tanhf(x[i]); }
__global__ void tanh_bwd(const float* y, const float* dy, float* dx, long long n) { LOOP(i, n) dx[i] = dy[i] * (1.f - y[i] * y[i]); }

__global__ void mul_f32(const float* a, const float* b, float* o, long long n) { LOOP(i, n) o[i] = a[i] * b[i]; }
__global__ void scale_f32(float alpha, const float* x, float* o, long long n) { LOOP(i, n) o[i] = alpha * x[i]; }
__global__ void axpy_f32(float alpha, const float* x, float* y, long long n) { LOOP(i, n) y[i] += alpha * x[i]; }

// out (R, C) = x (R, C) + v (C)
__global__ void add_row_vector(const float* x, const float* v, float* o, long long n, int cols) {
    LOOP(i, n) o[i] = x[i] + v[i % cols];
}

// y (B, C, R) = x (B, R, C) transposed per batch
__global__ void batched_transpose(const float* x, float* y, int batch, int rows, int cols) {
    long long n = (long long)batch * rows * cols;
    LOOP(i, n) {
        long long b = i / ((long long)rows * cols);
        int rem = (int)(i - b * rows * cols), r = rem / cols, c = rem % cols;
        y[b * rows * cols + (long long)c * rows + r] = x[i];
    }
}

// ---- a reduced-precision GEMM's inputs (CudaBackend.gemm(Precision, ...)): float32 rounded to bf16 or tf32 ---------------
// On the bits, so that the result is Precision.round's bit for bit on any GPU (cvt.rn.bf16.f32 needs sm_80; we target sm_75):
// add half an ulp of the kept significand less one, plus the lowest kept bit (ties to even), then drop the low bits. A carry
// out of the significand moves into the exponent, which is right: up to the next power of two, or to infinity past the
// largest finite value. A NaN stays a NaN (quiet, sign and top payload kept): rounded, a payload only in the dropped bits
// would carry it to an infinity or the next NaN.
__device__ unsigned int round_significand(unsigned int bits, int dropped) {
    unsigned int keep = ~0u << dropped;
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (bits | 0x00400000u) & keep;
    return (bits + ((1u << (dropped - 1)) - 1u) + ((bits >> dropped) & 1u)) & keep;
}

// y (n bf16) = x (n float32, read as its bits) rounded to bf16's 8 significant bits: cublasGemmEx's CUDA_R_16BF operands.
// Two to a thread, stored as one 32-bit word (element 2i in its low half: little-endian, as cuBLAS reads y), so that no
// two threads write parts of one word; an odd n's last element by thread 0 of block 0. Launched over (n + 1) / 2.
__global__ void round_to_bf16(const unsigned int* x, unsigned int* y, long long n) {
    LOOP(i, n / 2) y[i] = (round_significand(x[2 * i], 16) >> 16) | (round_significand(x[2 * i + 1], 16) & 0xffff0000u);
    if ((n & 1) && blockIdx.x == 0 && threadIdx.x == 0) ((unsigned short*)y)[n - 1] = (unsigned short)(round_significand(x[n - 1], 16) >> 16);
}

// y (n float32) = x rounded to tf32's 11 significant bits, the low 13 bits zero: whatever the tensor cores do with those bits
// (reports say they ignore them, a truncation), they are zero, so the products are the rounded inputs'
__global__ void round_to_tf32(const unsigned int* x, unsigned int* y, long long n) { LOOP(i, n) y[i] = round_significand(x[i], 13); }

// col (N*OH*OW, C*KH*KW) from x (N, C, H, W); one thread per col element
__global__ void im2col(const float* x, float* col, int N, int C, int H, int W, int KH, int KW, int S, int P, int OH, int OW) {
    long long rowLen = (long long)C * KH * KW, n = (long long)N * OH * OW * rowLen;
    LOOP(i, n) {
        long long row = i / rowLen;
        int k = (int)(i - row * rowLen);
        int c = k / (KH * KW), ky = (k / KW) % KH, kx = k % KW;
        int ox = (int)(row % OW), oy = (int)((row / OW) % OH);
        long long img = row / ((long long)OH * OW);
        int iy = oy * S - P + ky, ix = ox * S - P + kx;
        col[i] = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? x[((img * C + c) * H + iy) * W + ix] : 0.f;
    }
}

// dx (N, C, H, W) from col: one thread per input element gathers every window entry that
// read it, so no atomics and a fixed summation order
__global__ void col2im(const float* col, float* dx, int N, int C, int H, int W, int KH, int KW, int S, int P, int OH, int OW) {
    long long n = (long long)N * C * H * W, rowLen = (long long)C * KH * KW;
    LOOP(i, n) {
        int ix = (int)(i % W), iy = (int)((i / W) % H), c = (int)((i / ((long long)W * H)) % C);
        long long img = i / ((long long)W * H * C);
        float sum = 0.f;
        for (int ky = 0; ky < KH; ky++) {
            int t = iy + P - ky;
            if (t < 0 || t % S != 0) continue;
            int oy = t / S;
            if (oy >= OH) continue;
            for (int kx = 0; kx < KW; kx++) {
                int u = ix + P - kx;
                if (u < 0 || u % S != 0) continue;
                int ox = u / S;
                if (ox >= OW) continue;
                sum += col[((img * OH + oy) * OW + ox) * rowLen + (c * KH + ky) * KW + kx];
            }
        }
        dx[i] = sum;
    }
}

// y, argmax (N, C, OH, OW); argmax holds ky*KW + kx of the winner; padding never wins
__global__ void max_pool_fwd(const float* x, float* y, float* arg, int N, int C, int H, int W, int KH, int KW, int S, int P,
                             int OH, int OW) {
    long long n = (long long)N * C * OH * OW;
    LOOP(i, n) {
        int ox = (int)(i % OW), oy = (int)((i / OW) % OH);
        long long plane = i / ((long long)OW * OH);
        const float* in = x + plane * H * W;
        // as the CPU backend: ties go to the first element in row-major order; a NaN wins and ends the search
        float best = -INFINITY;
        int bestK = -1;
        bool nan = false;
        for (int ky = 0; ky < KH && !nan; ky++) {
            int iy = oy * S - P + ky;
            if (iy < 0 || iy >= H) continue;
            for (int kx = 0; kx < KW; kx++) {
                int ix = ox * S - P + kx;
                if (ix < 0 || ix >= W) continue;
                float v = in[iy * W + ix];
                if (bestK < 0 || v > best || v != v) {
                    best = v;
                    bestK = ky * KW + kx;
                    if (v != v) { nan = true; break; }
                }
            }
        }
        y[i] = best;
        arg[i] = (float)bestK;
    }
}

// dx must be zero; adds each dy at its window's winner (atomics: windows may overlap)
__global__ void max_pool_bwd(const float* dy, const float* arg, float* dx, int N, int C, int H, int W, int KW, int S, int P,
                             int OH, int OW) {
    long long n = (long long)N * C * OH * OW;
    LOOP(i, n) {
        int ox = (int)(i % OW), oy = (int)((i / OW) % OH);
        long long plane = i / ((long long)OW * OH);
        int k = (int)arg[i], iy = oy * S - P + k / KW, ix = ox * S - P + k % KW;
        atomicAdd(dx + plane * H * W + iy * W + ix, dy[i]);
    }
}

// ---- after a convolution as im2col + GEMM leave it: out (N*OH*OW, F), one row per output position -----------------
// What Sequential fuses (Convolution, ReLU, max pooling) in one pass each way, so that the convolution's output is never
// written in (N, F, OH, OW), transposed, ReLU'd and pooled apart. The floats are the composed path's: the same bias add,
// ReLU expression, window order, tie and NaN rules as add_row_vector, relu_fwd and max_pool_fwd; the backward sums a
// position's windows in window order, where the composed path adds them with atomics.

// yp, arg (N, F, PH, PW) = max pooling (windows KH x KW, stride S, pad P) of relu(out + bias) seen as (N, F, OH, OW);
// keep 0: no backward follows, arg is not written
__global__ void bias_relu_pool(const float* out, const float* bias, float* yp, float* arg, int keep, int N, int F, int OH, int OW,
                               int KH, int KW, int S, int P, int PH, int PW) {
    long long n = (long long)N * F * PH * PW;
    LOOP(i, n) {
        int px = (int)(i % PW), py = (int)((i / PW) % PH), f = (int)((i / ((long long)PW * PH)) % F);
        long long img = i / ((long long)PW * PH * F);
        float b = bias[f], best = -INFINITY;
        int bestK = -1;
        bool nan = false;
        for (int ky = 0; ky < KH && !nan; ky++) {
            int oy = py * S - P + ky;
            if (oy < 0 || oy >= OH) continue;
            for (int kx = 0; kx < KW; kx++) {
                int ox = px * S - P + kx;
                if (ox < 0 || ox >= OW) continue;
                float z = out[((img * OH + oy) * OW + ox) * F + f] + b;
                float v = z > 0.f ? z : (z != z ? z : 0.f);
                if (bestK < 0 || v > best || v != v) {
                    best = v;
                    bestK = ky * KW + kx;
                    if (v != v) { nan = true; break; }
                }
            }
        }
        yp[i] = best;
        if (keep) arg[i] = (float)bestK;
    }
}

// dout (N*OH*OW, F): each position's gradient from the windows that picked it, dyp where the pooled ReLU output is positive
__global__ void relu_pool_bwd_columns(const float* dyp, const float* yp, const float* arg, float* dout, int N, int F, int OH, int OW,
                                      int KH, int KW, int S, int P, int PH, int PW) {
    long long n = (long long)N * OH * OW * F;
    LOOP(i, n) {
        int f = (int)(i % F), ox = (int)((i / F) % OW), oy = (int)((i / ((long long)F * OW)) % OH);
        long long img = i / ((long long)F * OW * OH);
        int py0 = max(0, (oy + P - KH + S) / S), py1 = min(PH - 1, (oy + P) / S);   // windows py*S-P <= oy < py*S-P+KH
        int px0 = max(0, (ox + P - KW + S) / S), px1 = min(PW - 1, (ox + P) / S);
        float sum = 0.f;
        for (int py = py0; py <= py1; py++)
            for (int px = px0; px <= px1; px++) {
                long long w = ((img * F + f) * PH + py) * PW + px;
                if ((int)arg[w] == (oy - (py * S - P)) * KW + (ox - (px * S - P)) && yp[w] > 0.f) sum += dyp[w];
            }
        dout[i] = sum;
    }
}

// partial column sums: block (bx, chunk) sums rows [chunk*rowsPer, ...) of columns bx*256+tid
__global__ void sum_rows_partial(const float* x, double* partial, int rows, int cols, int rowsPer) {
    int c = blockIdx.x * blockDim.x + threadIdx.x, chunk = blockIdx.y;
    if (c >= cols) return;
    int r0 = chunk * rowsPer, r1 = min(rows, r0 + rowsPer);
    double s = 0;
    for (int r = r0; r < r1; r++) s += x[(long long)r * cols + c];
    partial[(long long)chunk * cols + c] = s;
}
__global__ void sum_rows_final(const double* partial, float* out, int chunks, int cols) {
    LOOP(c, cols) {
        double s = 0;
        for (int k = 0; k < chunks; k++) s += partial[(long long)k * cols + c];
        out[c] = (float)s;
    }
}

// one block: partial[blockIdx.x] = sum of a[i]*b[i] over its grid-stride share, in double
__global__ void dot_partial(const float* a, const float* b, double* partial, long long n) {
    __shared__ double sh[REDUCE_THREADS];
    double s = 0;
    LOOP(i, n) s += (double)a[i] * b[i];
    sh[threadIdx.x] = s;
    __syncthreads();
    for (int k = blockDim.x / 2; k > 0; k >>= 1) {
        if (threadIdx.x < k) sh[threadIdx.x] += sh[threadIdx.x + k];
        __syncthreads();
    }
    if (threadIdx.x == 0) partial[blockIdx.x] = sh[0];
}

__global__ void argmax_rows(const float* x, float* out, int rows, int cols) {
    LOOP(r, rows) {
        const float* p = x + r * (long long)cols;
        int best = 0;
        for (int c = 1; c < cols; c++) if (p[c] > p[best]) best = c;
        out[r] = (float)best;
    }
}

// ---- rows at a position held on the device (at[0]), read when the kernel runs ------------------
// the row position a float holds, or -1 where it is not a non-negative integer (NaN included): as CpuBackend's
__device__ long long row_position(float f) { return (f >= 0.f && f < 2147483648.f && f == floorf(f)) ? (long long)f : -1; }

// dst (M, per) row i = src (R, per) row index[at + i]; NaN where the position or the index entry is out of range
__global__ void gather_rows(const float* src, const float* index, const float* at, float* dst, long long n, int per, int srcRows,
                            int indexLen) {
    long long p = row_position(at[0]);
    LOOP(i, n) {
        long long k = p < 0 ? -1 : p + i / per;
        long long r = (k >= 0 && k < indexLen) ? row_position(index[k]) : -1;
        dst[i] = (r >= 0 && r < srcRows) ? src[r * per + i % per] : nanf("");
    }
}
// dst (D, per) rows [at, at + n/per) = src; nothing where they do not fit
__global__ void put_rows(const float* src, const float* at, float* dst, long long n, int per, int dstRows) {
    long long p = row_position(at[0]);
    if (p < 0 || p + n / per > dstRows) return;
    LOOP(i, n) dst[p * per + i] = src[i];
}
// one block: out[0] = the number of i with a[i] == b[i]
__global__ void count_equal(const float* a, const float* b, float* out, long long n) {
    __shared__ double sh[REDUCE_THREADS];
    double s = 0;
    for (long long i = threadIdx.x; i < n; i += blockDim.x) s += a[i] == b[i] ? 1.0 : 0.0;
    sh[threadIdx.x] = s;
    __syncthreads();
    for (int k = blockDim.x / 2; k > 0; k >>= 1) {
        if (threadIdx.x < k) sh[threadIdx.x] += sh[threadIdx.x + k];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[0] = (float)sh[0];
}

// probs (N, C) and per-row losses; a label that is not a class index gives a NaN loss
__global__ void softmax_xent_rows(const float* z, const float* labels, float* probs, double* rowLoss, int rows, int cols) {
    LOOP(r, rows) {
        const float* p = z + r * (long long)cols;
        float* q = probs + r * (long long)cols;
        float m = p[0];
        for (int c = 1; c < cols; c++) m = fmaxf(m, p[c]);
        double sum = 0;
        for (int c = 0; c < cols; c++) { float e = expf(p[c] - m); q[c] = e; sum += e; }
        float inv = (float)(1.0 / sum);
        for (int c = 0; c < cols; c++) q[c] *= inv;
        float l = labels[r];
        int li = (int)l;
        // -log softmax(z)[label] from the logits, not from q: exact where q underflows, NaN where a logit is not finite
        rowLoss[r] = (l >= 0.f && li < cols && (float)li == l) ? log(sum) - ((double)p[li] - (double)m) : nan("");
    }
}
// one block: loss[0] = mean of rowLoss
__global__ void mean_f64(const double* v, float* out, int n) {
    __shared__ double sh[REDUCE_THREADS];
    double s = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) s += v[i];
    sh[threadIdx.x] = s;
    __syncthreads();
    for (int k = blockDim.x / 2; k > 0; k >>= 1) {
        if (threadIdx.x < k) sh[threadIdx.x] += sh[threadIdx.x + k];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[0] = (float)(sh[0] / n);
}
__global__ void softmax_xent_bwd(const float* probs, const float* labels, float* dx, int rows, int cols) {
    long long n = (long long)rows * cols;
    float inv = 1.f / rows;
    LOOP(i, n) {
        int r = (int)(i / cols), c = (int)(i % cols);
        dx[i] = (probs[i] - ((int)labels[r] == c ? 1.f : 0.f)) * inv;
    }
}

// batch norm over x (N, C, S), one block per channel
__device__ double block_sum(double v, double* sh) {
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int k = blockDim.x / 2; k > 0; k >>= 1) {
        if (threadIdx.x < k) sh[threadIdx.x] += sh[threadIdx.x + k];
        __syncthreads();
    }
    double r = sh[0];
    __syncthreads();
    return r;
}
__global__ void bn_train(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* invStd,
                         float* runMean, float* runVar, int N, int C, int S, float momentum, float eps) {
    __shared__ double sh[REDUCE_THREADS];
    int ch = blockIdx.x;
    long long m = (long long)N * S;
    double s = 0;
    for (long long j = threadIdx.x; j < m; j += blockDim.x) s += x[((j / S) * C + ch) * S + j % S];
    double mu = block_sum(s, sh) / m, q = 0;
    for (long long j = threadIdx.x; j < m; j += blockDim.x) { double d = x[((j / S) * C + ch) * S + j % S] - mu; q += d * d; }
    double var = block_sum(q, sh) / m;
    float is = (float)(1.0 / sqrt(var + eps)), g = gamma[ch], b = beta[ch], muF = (float)mu;
    for (long long j = threadIdx.x; j < m; j += blockDim.x) {
        long long k = ((j / S) * C + ch) * S + j % S;
        y[k] = g * (x[k] - muF) * is + b;
    }
    if (threadIdx.x == 0) {
        mean[ch] = muF;
        invStd[ch] = is;
        runMean[ch] = momentum * runMean[ch] + (1.f - momentum) * muF;
        runVar[ch] = momentum * runVar[ch] + (1.f - momentum) * (float)var;
    }
}
__global__ void bn_infer(const float* x, const float* gamma, const float* beta, const float* runMean, const float* runVar,
                         float* y, long long n, int C, int S, float eps) {
    LOOP(i, n) {
        int ch = (int)((i / S) % C);
        float is = 1.f / sqrtf(runVar[ch] + eps);
        y[i] = gamma[ch] * is * (x[i] - runMean[ch]) + beta[ch];
    }
}
__global__ void bn_bwd(const float* dy, const float* x, const float* gamma, const float* mean, const float* invStd,
                       float* dx, float* dgamma, float* dbeta, int N, int C, int S) {
    __shared__ double sh[REDUCE_THREADS];
    int ch = blockIdx.x;
    long long m = (long long)N * S;
    float mu = mean[ch], is = invStd[ch];
    double a = 0, b = 0;
    for (long long j = threadIdx.x; j < m; j += blockDim.x) {
        long long k = ((j / S) * C + ch) * S + j % S;
        a += dy[k];
        b += dy[k] * ((x[k] - mu) * is);
    }
    float db = (float)block_sum(a, sh), dg = (float)block_sum(b, sh), mf = (float)m, kk = gamma[ch] * is / mf;
    for (long long j = threadIdx.x; j < m; j += blockDim.x) {
        long long k = ((j / S) * C + ch) * S + j % S;
        float xhat = (x[k] - mu) * is;
        dx[k] = kk * (mf * dy[k] - db - xhat * dg);
    }
    if (threadIdx.x == 0) { dgamma[ch] = dg; dbeta[ch] = db; }
}

// the same counter-based hash as groundup.backend.DropoutHash: identical masks on every backend
__device__ float dropout_uniform(unsigned long long seed, unsigned long long index) {
    unsigned long long z = seed + (index + 1ULL) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z = z ^ (z >> 31);
    return (float)(z >> 40) * 5.9604644775390625e-8f;   // 2^-24
}
// the mask of step[0] (a count of steps, read here), seeded seed + step * golden as DropoutHash.seed; NaN for a step that is not a count
__global__ void dropout_fwd(const float* x, const float* step, float* mask, float* y, long long n, float ratio, unsigned long long seed) {
    long long t = row_position(step[0]);
    unsigned long long s = seed + (unsigned long long)t * 0x9E3779B97F4A7C15ULL;
    float keep = t < 0 ? nanf("") : 1.f / (1.f - ratio), drop = t < 0 ? nanf("") : 0.f;
    LOOP(i, n) {
        float m = dropout_uniform(s, (unsigned long long)i) >= ratio ? keep : drop;
        mask[i] = m;
        y[i] = x[i] * m;
    }
}

// one element of a fused optimizer step; kind: 0 SGD, 1 Momentum, 2 Nesterov, 3 AdaGrad, 4 RMSprop, 5 Adam (see UpdateRule;
// CudaBackend.optimizerCode maps the Java kinds); any other code poisons p with NaN rather than guess
__device__ void optimizer_update(int kind, float* p, const float* g, float* s1, float* s2, long long i, float lr, float a, float b,
                                 float eps, float decay) {
    float gi = decay == 0.f ? g[i] : g[i] + decay * p[i];     // L2 weight decay; g is left as it was
    switch (kind) {
        case 0: p[i] -= lr * gi; break;
        case 1: s1[i] = a * s1[i] - lr * gi; p[i] += s1[i]; break;
        case 2: s1[i] = a * s1[i] - lr * gi; p[i] += a * a * s1[i] - (1.f + a) * lr * gi; break;
        case 3: s1[i] += gi * gi; p[i] -= lr * gi / (sqrtf(s1[i]) + eps); break;
        case 4: s1[i] = a * s1[i] + (1.f - a) * gi * gi; p[i] -= lr * gi / (sqrtf(s1[i]) + eps); break;
        case 5:
            s1[i] += (1.f - a) * (gi - s1[i]);
            s2[i] += (1.f - b) * (gi * gi - s2[i]);
            p[i] -= lr * s1[i] / (sqrtf(s2[i]) + eps);
            break;
        default: p[i] = nanf("");
    }
}
__global__ void optimizer_step(int kind, float* p, const float* g, float* s1, float* s2, long long n, float lr, float a, float b,
                               float eps, float decay) {
    LOOP(i, n) optimizer_update(kind, p, g, s1, s2, i, lr, a, b, eps, decay);
}
// every parameter at once. table: starts[0..tensors] (the global index of each tensor's first element; starts[tensors] is the
// total), then five u64 per tensor: p, g, s1, s2, decays (0/1). The rate is rates[at[0]], NaN where at is not a position in rates.
// table[slot .. slot+3] = p, g, s1, s2: how the host, which cannot read a device pointer's value, fills an optimizer_steps table
__global__ void table_pointers(long long* table, int slot, const float* p, const float* g, const float* s1, const float* s2) {
    if (blockIdx.x == 0 && threadIdx.x == 0) {
        table[slot] = (long long)p;
        table[slot + 1] = (long long)g;
        table[slot + 2] = (long long)s1;
        table[slot + 3] = (long long)s2;
    }
}
__global__ void optimizer_steps(int kind, const long long* table, int tensors, const float* rates, int nrates, const float* at, float a,
                                float b, float eps, float decay) {
    long long pos = row_position(at[0]);
    float lr = pos >= 0 && pos < nrates ? rates[pos] : nanf("");
    const unsigned long long* e = (const unsigned long long*)(table + tensors + 1);
    LOOP(i, table[tensors]) {
        int lo = 0, hi = tensors;                  // the tensor t with starts[t] <= i < starts[t + 1]
        while (hi - lo > 1) {
            int mid = (lo + hi) / 2;
            if (table[mid] <= i) lo = mid; else hi = mid;
        }
        const unsigned long long* t = e + 5 * lo;
        optimizer_update(kind, (float*)t[0], (const float*)t[1], (float*)t[2], (float*)t[3], i - table[lo], lr, a, b, eps,
                         t[4] ? decay : 0.f);
    }
}

}  // extern "C"
