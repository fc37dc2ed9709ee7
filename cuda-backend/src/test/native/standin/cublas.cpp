// A host stand-in for cuBLAS 13 (libcublas.so.13), for tests on machines without a GPU: handles,
// streams, workspace, math mode, SGEMM and GemmEx (float32 or bf16 inputs, read in TF32 where the
// call or the math mode asks, products summed in float32), column-major, with cuBLAS's own
// argument checks (the reference BLAS's xerbla rules: lda >= max(1, rows of op(A) as stored) and
// the like) plus one a GPU would only show as a fault: every operand must lie inside a live device
// allocation of the stand-in. The product runs on the handle's stream when the stream runs (see
// driver.cpp). Test-only.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "standin.h"

enum : int {
    CUBLAS_STATUS_SUCCESS = 0, CUBLAS_STATUS_NOT_INITIALIZED = 1, CUBLAS_STATUS_INVALID_VALUE = 7, CUBLAS_STATUS_EXECUTION_FAILED = 13,
    CUBLAS_STATUS_NOT_SUPPORTED = 15
};
enum : int { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1 };

struct Handle {
    void* stream = nullptr;
    void* workspace = nullptr;
    size_t workspaceBytes = 0;
    int mathMode = 0;
    bool alive = true;
};

static int fail(int status, const std::string& why) {
    fprintf(stderr, "cuda-standin: cuBLAS: %s\n", why.c_str());
    fflush(stderr);
    return status;
}

static Handle* handle(void* h) {
    Handle* p = static_cast<Handle*>(h);
    return p != nullptr && p->alive ? p : nullptr;
}

extern "C" {

int cublasCreate_v2(void** h) {
    if (h == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
    if (!gu_context_current()) return fail(CUBLAS_STATUS_NOT_INITIALIZED, "cublasCreate with no CUDA context current");
    *h = new Handle();
    return CUBLAS_STATUS_SUCCESS;
}

int cublasDestroy_v2(void* h) {
    Handle* p = handle(h);
    if (p == nullptr) return fail(CUBLAS_STATUS_NOT_INITIALIZED, "cublasDestroy of a handle that is not live");
    p->alive = false;                         // kept allocated: a later use of it is recognised
    return CUBLAS_STATUS_SUCCESS;
}

int cublasGetVersion_v2(void* h, int* v) {
    if (handle(h) == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
    *v = 130000;
    return CUBLAS_STATUS_SUCCESS;
}

/** cuBLAS's version, as cublasGetProperty answers it without a handle: MAJOR_VERSION 0, MINOR_VERSION 1, PATCH_LEVEL 2. */
int cublasGetProperty(int type, int* value) {
    static const int version[] = {13, 0, 0};
    if (value == nullptr || type < 0 || type > 2) return CUBLAS_STATUS_INVALID_VALUE;
    *value = version[type];
    return CUBLAS_STATUS_SUCCESS;
}

int cublasSetStream_v2(void* h, void* stream) {
    Handle* p = handle(h);
    if (p == nullptr) return fail(CUBLAS_STATUS_NOT_INITIALIZED, "cublasSetStream on a handle that is not live");
    p->stream = stream;
    return CUBLAS_STATUS_SUCCESS;
}

/** The workspace a handle's routines use (none of ours needs one; a graph-capturing caller sets it so that none is allocated). */
int cublasSetWorkspace_v2(void* h, void* workspace, size_t bytes) {
    Handle* p = handle(h);
    if (p == nullptr) return fail(CUBLAS_STATUS_NOT_INITIALIZED, "cublasSetWorkspace on a handle that is not live");
    if (bytes > 0 && !gu_device_range("cublasSetWorkspace", uint64_t(workspace), bytes)) return CUBLAS_STATUS_INVALID_VALUE;
    p->workspace = workspace;
    p->workspaceBytes = bytes;
    return CUBLAS_STATUS_SUCCESS;
}

int cublasSetMathMode(void* h, int mode) {
    Handle* p = handle(h);
    if (p == nullptr) return fail(CUBLAS_STATUS_NOT_INITIALIZED, "cublasSetMathMode on a handle that is not live");
    if (mode != 0 && mode != 3 && mode != 0x10) return fail(CUBLAS_STATUS_INVALID_VALUE, "cublasSetMathMode(" + std::to_string(mode) + ")");
    p->mathMode = mode;
    return CUBLAS_STATUS_SUCCESS;
}

int cublasGetMathMode(void* h, int* mode) {
    Handle* p = handle(h);
    if (p == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
    *mode = p->mathMode;
    return CUBLAS_STATUS_SUCCESS;
}

/**
 * C (m, n) = alpha op(A) op(B) + beta C, column-major, on float operands (an operand of another type is widened or
 * rounded to these first); op(A) is (m, k), op(B) is (k, n). Each column of C summed in float, l = 0..k-1 in order.
 */
static void gemm_columns(bool tA, bool tB, int m, int n, int k, float a, const float* A, int lda, const float* B, int ldb, float b,
                         float* C, int ldc) {
    std::vector<float> col(m);
    for (int j = 0; j < n; j++) {
        std::fill(col.begin(), col.end(), 0.f);
        for (int l = 0; l < k; l++) {
            float bl = tB ? B[j + int64_t(l) * ldb] : B[l + int64_t(j) * ldb];   // op(B)(l, j)
            if (tA) {
                for (int i = 0; i < m; i++) col[i] += A[l + int64_t(i) * lda] * bl;
            } else {
                const float* a_l = A + int64_t(l) * lda;
                for (int i = 0; i < m; i++) col[i] += a_l[i] * bl;
            }
        }
        float* c = C + int64_t(j) * ldc;
        for (int i = 0; i < m; i++) c[i] = b == 0.f ? a * col[i] : a * col[i] + b * c[i];   // beta 0: C is not read
    }
}

/**
 * A float as a tensor core reads it in TF32: the low 13 of its 23 stored significand bits dropped. NVIDIA documents
 * the format (10 stored bits), not how the hardware converts to it; reports say the tensor cores ignore those bits, so
 * the stand-in truncates, the least favourable choice: a caller that hands cuBLAS unrounded floats under TF32 gets
 * numbers off by up to one tf32 ulp here, and its test against round-to-nearest fails. NaN and infinities stay.
 */
static inline float tf32_as_read(float x) {
    uint32_t bits;
    memcpy(&bits, &x, 4);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return x;
    bits &= ~0x1fffu;
    memcpy(&x, &bits, 4);
    return x;
}

/** A bf16 operand's value as a float: its 16 bits are the top half of the float's. */
static inline float bf16_widened(uint16_t h) {
    uint32_t bits = uint32_t(h) << 16;
    float x;
    memcpy(&x, &bits, 4);
    return x;
}

/** The stored (rows, cols) matrix with leading dimension ld, as floats: each element widened (bf16) or read in TF32. */
static std::vector<float> as_floats(const void* p, int type, bool tf32, int rows, int cols, int ld) {
    size_t n = cols == 0 ? 0 : size_t(ld) * (cols - 1) + rows;
    std::vector<float> out(n);
    if (type == 14) {                                           // CUDA_R_16BF
        const uint16_t* h = static_cast<const uint16_t*>(p);
        for (size_t i = 0; i < n; i++) out[i] = bf16_widened(h[i]);
    } else {
        const float* f = static_cast<const float*>(p);
        for (size_t i = 0; i < n; i++) out[i] = tf32 ? tf32_as_read(f[i]) : f[i];
    }
    return out;
}

/**
 * cuBLAS's checks of a GEMM's sizes and operands, as cublasSgemm and cublasGemmEx make them (the reference BLAS's
 * xerbla rules, then that each operand lies inside a live device allocation); CUBLAS_STATUS_SUCCESS if they pass.
 */
static int check_gemm(const std::string& call, int transa, int transb, int m, int n, int k, const void* alpha, const void* A, size_t aSize,
                      int lda, const void* B, size_t bSize, int ldb, const void* beta, const void* C, int ldc) {
    if ((transa != CUBLAS_OP_N && transa != CUBLAS_OP_T) || (transb != CUBLAS_OP_N && transb != CUBLAS_OP_T)) {
        return fail(CUBLAS_STATUS_INVALID_VALUE, call + ": transa/transb must be N or T");
    }
    // A is stored (aRows, aCols) with lda >= aRows, likewise B; cuBLAS answers INVALID_VALUE otherwise
    int aRows = transa == CUBLAS_OP_N ? m : k, aCols = transa == CUBLAS_OP_N ? k : m;
    int bRows = transb == CUBLAS_OP_N ? k : n, bCols = transb == CUBLAS_OP_N ? n : k;
    if (m < 0 || n < 0 || k < 0) return fail(CUBLAS_STATUS_INVALID_VALUE, call + ": a negative size");
    if (lda < (aRows > 1 ? aRows : 1)) return fail(CUBLAS_STATUS_INVALID_VALUE, call + ": lda < max(1, " + std::to_string(aRows) + ")");
    if (ldb < (bRows > 1 ? bRows : 1)) return fail(CUBLAS_STATUS_INVALID_VALUE, call + ": ldb < max(1, " + std::to_string(bRows) + ")");
    if (ldc < (m > 1 ? m : 1)) return fail(CUBLAS_STATUS_INVALID_VALUE, call + ": ldc < max(1, " + std::to_string(m) + ")");
    if (alpha == nullptr || beta == nullptr) return fail(CUBLAS_STATUS_INVALID_VALUE, call + ": alpha or beta is null");
    if (m == 0 || n == 0) return CUBLAS_STATUS_SUCCESS;
    auto extent = [](int rows, int cols, int ld, size_t size) { return (uint64_t(ld) * (cols - 1) + rows) * size; };
    if (k > 0 && (!gu_device_range((call + " A").c_str(), uint64_t(A), extent(aRows, aCols, lda, aSize))
                  || !gu_device_range((call + " B").c_str(), uint64_t(B), extent(bRows, bCols, ldb, bSize)))) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (!gu_device_range((call + " C").c_str(), uint64_t(C), extent(m, n, ldc, sizeof(float)))) return CUBLAS_STATUS_INVALID_VALUE;
    return CUBLAS_STATUS_SUCCESS;
}

static std::string gemm_call(const char* name, int transa, int transb, int m, int n, int k, int lda, int ldb, int ldc) {
    return std::string(name) + "(" + std::string(transa == CUBLAS_OP_N ? "N" : "T") + std::string(transb == CUBLAS_OP_N ? "N" : "T")
           + ", m=" + std::to_string(m) + ", n=" + std::to_string(n) + ", k=" + std::to_string(k) + ", lda=" + std::to_string(lda)
           + ", ldb=" + std::to_string(ldb) + ", ldc=" + std::to_string(ldc) + ")";
}

/**
 * Queues C = alpha op(A) op(B) + beta C on the handle's stream, A and B of type aType (CUDA_R_32F or CUDA_R_16BF), read
 * in TF32 where tf32: the operands are read when the stream runs the work, as a GPU reads them.
 */
static int queue_gemm(Handle* p, const std::string& call, int transa, int transb, int m, int n, int k, float a, const void* A, int lda,
                      const void* B, int ldb, float b, float* C, int ldc, int type, bool tf32) {
    if (m == 0 || n == 0) return CUBLAS_STATUS_SUCCESS;
    bool tA = transa == CUBLAS_OP_T, tB = transb == CUBLAS_OP_T;
    int aRows = tA ? k : m, aCols = tA ? m : k, bRows = tB ? n : k, bCols = tB ? k : n;
    std::function<void()> work;
    if (type == 0 && !tf32) {
        const float *fa = static_cast<const float*>(A), *fb = static_cast<const float*>(B);
        work = [=] { gemm_columns(tA, tB, m, n, k, a, fa, lda, fb, ldb, b, C, ldc); };
    } else {
        work = [=] {
            std::vector<float> fa = as_floats(A, type, tf32, k == 0 ? 0 : aRows, k == 0 ? 0 : aCols, lda);
            std::vector<float> fb = as_floats(B, type, tf32, k == 0 ? 0 : bRows, k == 0 ? 0 : bCols, ldb);
            gemm_columns(tA, tB, m, n, k, a, fa.data(), lda, fb.data(), ldb, b, C, ldc);
        };
    }
    if (!gu_enqueue(p->stream, &work)) return fail(CUBLAS_STATUS_EXECUTION_FAILED, call + ": the handle's stream is not valid");
    return CUBLAS_STATUS_SUCCESS;
}

enum : int { CUBLAS_TF32_TENSOR_OP_MATH = 3 };

/** C (m, n) = alpha op(A) op(B) + beta C, column-major; op(A) is (m, k), op(B) is (k, n). In TF32 under CUBLAS_TF32_TENSOR_OP_MATH. */
int cublasSgemm_v2(void* h, int transa, int transb, int m, int n, int k, const float* alpha, const float* A, int lda,
                   const float* B, int ldb, const float* beta, float* C, int ldc) {
    Handle* p = handle(h);
    if (p == nullptr) return fail(CUBLAS_STATUS_NOT_INITIALIZED, "cublasSgemm on a handle that is not live");
    std::string call = gemm_call("cublasSgemm", transa, transb, m, n, k, lda, ldb, ldc);
    int r = check_gemm(call, transa, transb, m, n, k, alpha, A, sizeof(float), lda, B, sizeof(float), ldb, beta, C, ldc);
    if (r != CUBLAS_STATUS_SUCCESS || m == 0 || n == 0) return r;
    bool tf32 = (p->mathMode & 0xf) == CUBLAS_TF32_TENSOR_OP_MATH;
    return queue_gemm(p, call, transa, transb, m, n, k, *alpha, A, lda, B, ldb, *beta, C, ldc, 0, tf32);   // pointer mode host: read now
}

enum : int { CUDA_R_32F = 0, CUDA_R_16BF = 14 };
enum : int { CUBLAS_COMPUTE_32F = 68, CUBLAS_COMPUTE_32F_PEDANTIC = 69, CUBLAS_COMPUTE_32F_FAST_TF32 = 77 };
enum : int { CUBLAS_GEMM_DEFAULT = -1, CUBLAS_GEMM_DEFAULT_TENSOR_OP = 99 };

/**
 * cublasGemmEx for what the backend asks of it, float32 output and float32 sums: bf16 A and B (CUDA_R_16BF) under
 * CUBLAS_COMPUTE_32F, or float32 A and B under CUBLAS_COMPUTE_32F (as cublasSgemm; the handle's TF32 math mode applies,
 * as cuBLAS documents), CUBLAS_COMPUTE_32F_PEDANTIC (never TF32) or CUBLAS_COMPUTE_32F_FAST_TF32 (read in TF32). A
 * combination cuBLAS does not offer is CUBLAS_STATUS_NOT_SUPPORTED, as there; one it offers but the stand-in does not
 * implement says so, with the same status.
 */
int cublasGemmEx(void* h, int transa, int transb, int m, int n, int k, const void* alpha, const void* A, int aType, int lda,
                 const void* B, int bType, int ldb, const void* beta, void* C, int cType, int ldc, int computeType, int algo) {
    Handle* p = handle(h);
    if (p == nullptr) return fail(CUBLAS_STATUS_NOT_INITIALIZED, "cublasGemmEx on a handle that is not live");
    std::string call = gemm_call("cublasGemmEx", transa, transb, m, n, k, lda, ldb, ldc) + " A type " + std::to_string(aType)
                       + ", B type " + std::to_string(bType) + ", C type " + std::to_string(cType) + ", compute type "
                       + std::to_string(computeType) + ", algo " + std::to_string(algo);
    bool defaultAlgo = algo == CUBLAS_GEMM_DEFAULT || algo == CUBLAS_GEMM_DEFAULT_TENSOR_OP;
    if (!defaultAlgo && !(algo >= 0 && algo <= 23) && !(algo >= 100 && algo <= 115)) return fail(CUBLAS_STATUS_INVALID_VALUE, call + ": no such algo");
    if (computeType != CUBLAS_COMPUTE_32F && computeType != CUBLAS_COMPUTE_32F_PEDANTIC && computeType != CUBLAS_COMPUTE_32F_FAST_TF32) {
        return fail(CUBLAS_STATUS_NOT_SUPPORTED, call + ": the stand-in implements the compute types 32F, 32F_PEDANTIC and 32F_FAST_TF32 only");
    }
    if (aType != bType || (aType != CUDA_R_32F && aType != CUDA_R_16BF) || cType != CUDA_R_32F) {
        return fail(CUBLAS_STATUS_NOT_SUPPORTED, call + ": the stand-in implements A and B both float32 or both bf16, C float32, only");
    }
    if (aType == CUDA_R_16BF && computeType == CUBLAS_COMPUTE_32F_FAST_TF32) {
        return fail(CUBLAS_STATUS_NOT_SUPPORTED, call + ": cuBLAS offers CUBLAS_COMPUTE_32F_FAST_TF32 for float32 A and B only");
    }
    size_t size = aType == CUDA_R_16BF ? 2 : 4;
    if (uint64_t(A) % size != 0 || uint64_t(B) % size != 0 || uint64_t(C) % 4 != 0) {
        return fail(CUBLAS_STATUS_INVALID_VALUE, call + ": an operand not aligned to its element");
    }
    int r = check_gemm(call, transa, transb, m, n, k, alpha, A, size, lda, B, size, ldb, beta, C, ldc);
    if (r != CUBLAS_STATUS_SUCCESS || m == 0 || n == 0) return r;
    bool tf32 = aType == CUDA_R_32F && (computeType == CUBLAS_COMPUTE_32F_FAST_TF32
                                        || (computeType == CUBLAS_COMPUTE_32F && (p->mathMode & 0xf) == CUBLAS_TF32_TENSOR_OP_MATH));
    float a = *static_cast<const float*>(alpha), b = *static_cast<const float*>(beta);   // scale type float32, pointer mode host
    return queue_gemm(p, call, transa, transb, m, n, k, a, A, lda, B, ldb, b, static_cast<float*>(C), ldc, aType, tf32);
}

}  // extern "C"
