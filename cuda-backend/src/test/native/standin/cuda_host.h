// What kernels.cu needs of CUDA C, for the host: the stand-in compiles the very same kernels.cu
// with g++ and runs every launch with CUDA's block semantics (see driver.cpp). Test-only.
//
// - threadIdx, blockIdx, blockDim, gridDim: globals the scheduler sets before it runs or resumes
//   a thread. The scheduler runs one block at a time, so __shared__ (a function-local static)
//   is exactly one copy per block.
// - __syncthreads(): parks the calling thread (a fiber with its own stack) until every live
//   thread of the block has arrived. An opaque call, so the compiler re-reads threadIdx after it.
// - atomics: blocks and threads run one at a time, so a plain read-modify-write is atomic.
#pragma once
#include <math.h>
#include <algorithm>
#include <cstdint>

struct gu_uint3 { unsigned int x, y, z; };
extern "C" {
extern gu_uint3 gu_threadIdx, gu_blockIdx, gu_blockDim, gu_gridDim;
void gu_syncthreads(void);
}
#define threadIdx gu_threadIdx
#define blockIdx gu_blockIdx
#define blockDim gu_blockDim
#define gridDim gu_gridDim
#define __syncthreads() gu_syncthreads()

#define __global__
#define __device__ static inline
#define __host__
#define __shared__ static
#define __forceinline__ inline
#define __restrict__ __restrict

using std::min;
using std::max;

static inline float atomicAdd(float* p, float v) { float old = *p; *p = old + v; return old; }
static inline double atomicAdd(double* p, double v) { double old = *p; *p = old + v; return old; }
static inline int atomicAdd(int* p, int v) { int old = *p; *p = old + v; return old; }
