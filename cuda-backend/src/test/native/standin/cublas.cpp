// A host stand-in for cuBLAS 13 (libcublas.so.13), for tests on machines without a GPU: handles,
// streams, workspace, math mode, and SGEMM, column-major, with cuBLAS's own argument checks (the reference
// BLAS's xerbla rules: lda >= max(1, rows of op(A) as stored) and the like) plus one a GPU would
// only show as a fault: every operand must lie inside a live device allocation of the stand-in.
// The product runs on the handle's stream when the stream runs (see driver.cpp). Test-only.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "standin.h"

enum : int {
    CUBLAS_STATUS_SUCCESS = 0, CUBLAS_STATUS_NOT_INITIALIZED = 1, CUBLAS_STATUS_INVALID_VALUE = 7, CUBLAS_STATUS_EXECUTION_FAILED = 13
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

/** C (m, n) = alpha op(A) op(B) + beta C, column-major; op(A) is (m, k), op(B) is (k, n). */
int cublasSgemm_v2(void* h, int transa, int transb, int m, int n, int k, const float* alpha, const float* A, int lda,
                   const float* B, int ldb, const float* beta, float* C, int ldc) {
    Handle* p = handle(h);
    if (p == nullptr) return fail(CUBLAS_STATUS_NOT_INITIALIZED, "cublasSgemm on a handle that is not live");
    std::string call = "cublasSgemm(" + std::string(transa == CUBLAS_OP_N ? "N" : "T") + std::string(transb == CUBLAS_OP_N ? "N" : "T")
                       + ", m=" + std::to_string(m) + ", n=" + std::to_string(n) + ", k=" + std::to_string(k) + ", lda="
                       + std::to_string(lda) + ", ldb=" + std::to_string(ldb) + ", ldc=" + std::to_string(ldc) + ")";
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
    auto extent = [](int rows, int cols, int ld) { return (uint64_t(ld) * (cols - 1) + rows) * sizeof(float); };
    if (k > 0 && (!gu_device_range((call + " A").c_str(), uint64_t(A), extent(aRows, aCols, lda))
                  || !gu_device_range((call + " B").c_str(), uint64_t(B), extent(bRows, bCols, ldb)))) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (!gu_device_range((call + " C").c_str(), uint64_t(C), extent(m, n, ldc))) return CUBLAS_STATUS_INVALID_VALUE;
    float a = *alpha, b = *beta;              // pointer mode host: read now
    bool tA = transa == CUBLAS_OP_T, tB = transb == CUBLAS_OP_T;
    std::function<void()> work = [=] {
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
    };
    if (!gu_enqueue(p->stream, &work)) return fail(CUBLAS_STATUS_EXECUTION_FAILED, call + ": the handle's stream is not valid");
    return CUBLAS_STATUS_SUCCESS;
}

}  // extern "C"
