// What kernels.cu needs of CUDA C, for the host: the stand-in compiles the very same kernels.cu
// with g++ and runs every launch with CUDA's block semantics (see driver.cpp). Test-only.
//
// - threadIdx, blockIdx, blockDim, gridDim: globals the scheduler sets before it runs or resumes
//   a thread. The scheduler runs one block at a time, so __shared__ (a function-local static)
//   is exactly one copy per block; it lives in the section gu_shared, where the race detector
//   (race.cpp) finds it.
// - __syncthreads(): parks the calling thread (a fiber with its own stack) until every live
//   thread of the block has arrived. An opaque call, so the compiler re-reads memory after it.
// - atomics: blocks and threads run one at a time, so a plain read-modify-write is atomic; it
//   tells the race detector that it is an atomic and is itself not instrumented, so it is not
//   seen as a plain read and write.
#pragma once
#include <math.h>
#include <algorithm>
#include <cstdint>

struct gu_uint3 { unsigned int x, y, z; };
// To a kernel the built-ins are constant for the life of its thread (the scheduler sets them
// before it starts or resumes one), so the kernels see them const: the compiler keeps them in
// registers and -fsanitize=thread leaves reads of them alone. driver.cpp, which sets them,
// defines GU_DRIVER.
#ifdef GU_DRIVER
#define GU_BUILTIN
#else
#define GU_BUILTIN const
#endif
extern "C" {
extern GU_BUILTIN gu_uint3 gu_threadIdx, gu_blockIdx, gu_blockDim, gu_gridDim;
void gu_syncthreads(void);
void gu_race_atomic(const void* p, unsigned bytes);
}
#define threadIdx gu_threadIdx
#define blockIdx gu_blockIdx
#define blockDim gu_blockDim
#define gridDim gu_gridDim
#define __syncthreads() gu_syncthreads()

#define __global__
#define __device__ static inline
#define __host__
#define __shared__ __attribute__((section("gu_shared"))) static
#define __forceinline__ inline
#define __restrict__ __restrict

using std::min;
using std::max;

template <class T>
__attribute__((no_sanitize_thread)) static inline T gu_atomic_add(T* p, T v) {
    gu_race_atomic(p, sizeof(T));
    T old = *p;
    *p = old + v;
    return old;
}
static inline float atomicAdd(float* p, float v) { return gu_atomic_add(p, v); }
static inline double atomicAdd(double* p, double v) { return gu_atomic_add(p, v); }
static inline int atomicAdd(int* p, int v) { return gu_atomic_add(p, v); }
