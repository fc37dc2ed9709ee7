// Test kernels for the stand-in's race detector (StandInRaceTest): each racy one has the one bug
// its comment names, each clean one does the same work correctly. build.sh compiles them into the
// stand-in beside kernels.cu; race_kernels.ptx declares them for cuModuleLoadData. They are never
// part of kernels.ptx and never run on a GPU.
extern "C" {

// out[0] = sum of x (n): every thread adds with a plain +=, a race within a block and between blocks
__global__ void race_sum_plain(const float* x, float* out, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) out[0] += x[i];
}
// clean: atomicAdd
__global__ void race_sum_atomic(const float* x, float* out, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) atomicAdd(out, x[i]);
}

// thread 0 of every block writes out[3]: a race between blocks only
__global__ void race_cross_block(float* out) {
    if (threadIdx.x == 0) out[3] = (float)blockIdx.x;
}
// clean: each block its own element; every thread reads the same x[0] (reads never race)
__global__ void race_per_block(const float* x, float* out) {
    float v = x[0];
    if (threadIdx.x == 0) out[blockIdx.x] = v + (float)blockIdx.x;
}

// out (grid) = per-block sums of x (grid * 256) by a shared-memory tree, missing the barrier
// between the stores and the tree's first read of another thread's slot
__global__ void race_reduce_no_barrier(const float* x, float* out) {
    __shared__ float sh[256];
    sh[threadIdx.x] = x[blockIdx.x * blockDim.x + threadIdx.x];
    for (int k = blockDim.x / 2; k > 0; k >>= 1) {
        if (threadIdx.x < k) sh[threadIdx.x] += sh[threadIdx.x + k];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = sh[0];
}
// clean: with it
__global__ void race_reduce(const float* x, float* out) {
    __shared__ float sh[256];
    sh[threadIdx.x] = x[blockIdx.x * blockDim.x + threadIdx.x];
    __syncthreads();
    for (int k = blockDim.x / 2; k > 0; k >>= 1) {
        if (threadIdx.x < k) sh[threadIdx.x] += sh[threadIdx.x + k];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = sh[0];
}

// every thread atomically counts into out[0] and thread 0 also stores to it: an atomic against a plain write
__global__ void race_atomic_and_store(float* out) {
    atomicAdd(out, 1.f);
    if (threadIdx.x == 0) out[0] = 0.f;
}

}  // extern "C"
