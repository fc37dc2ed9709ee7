// Shared between the stand-in's driver (driver.cpp), its cuBLAS (cublas.cpp) and the generated
// kernel table (registry.cpp, made by build.sh). Test-only: never shipped, never loaded where a
// real NVIDIA driver is present (see HostStandIn.java).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

// ---- the kernel table: every __global__ of kernels.cu, compiled for the host ----------------

struct GuHostKernel {
    const char* name;
    std::vector<size_t> paramSizes;                  // from the C++ signature
    void (*invoke)(void* fn, void* const* args);     // calls fn(*(A0*)args[0], *(A1*)args[1], ...)
    void* fn;
    void* checked;                                   // the same kernel built for the race detector (race.h)
    const char* params;                              // the parameter names, comma-separated (build.sh reads them)
};

template <class... A, size_t... I>
static void gu_call(void (*f)(A...), void* const* args, std::index_sequence<I...>) {
    f(*static_cast<A*>(args[I])...);
}

template <class... A>
GuHostKernel gu_make_kernel(const char* name, void (*f)(A...), void (*checked)(A...), const char* params) {
    return {name, {sizeof(A)...},
            [](void* fn, void* const* args) { gu_call(reinterpret_cast<void (*)(A...)>(fn), args, std::index_sequence_for<A...>{}); },
            reinterpret_cast<void*>(f), reinterpret_cast<void*>(checked), params};
}

extern "C" const std::vector<GuHostKernel>& gu_host_kernels();

// ---- what cuBLAS needs of the driver ----------------------------------------------------------

extern "C" {
/** Queues work on a stream (nullptr: the legacy default stream); false if the stream is not valid. */
bool gu_enqueue(void* stream, std::function<void()>* work);
/** True if [p, p+bytes) lies inside one live device allocation; else says why on stderr. */
bool gu_device_range(const char* who, uint64_t p, uint64_t bytes);
/** True if a context is current on this thread. */
bool gu_context_current(void);
}

// ---- stream capture and the per-call counters (graph.cpp) -------------------------------------------
// driver.cpp calls these at the few points where capture or counting matters; graph.cpp holds the
// graphs, the capture state and the counters, and the driver API for them.

enum GuCounter { GU_LAUNCHES, GU_GRAPH_LAUNCHES, GU_SYNCS, GU_COPIES, GU_ALLOCATIONS, GU_COUNTERS };

extern "C" {
/** Counts one call of a kind (a kernel launch, a host synchronization, a copy, an allocation). */
void gu_count(int counter);
/**
 * If `stream` is being captured, appends `work` to its graph instead of queueing it and returns
 * true; the work then runs at each launch of the graph instead.
 */
bool gu_capture_take(void* stream, std::function<void()>* work);
/**
 * 0 where `who` may run now; else CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, after invalidating the
 * capture under way: a global-mode capture refuses what waits for the device or changes memory
 * (a synchronization, an allocation or free, a copy from pageable memory), as CUDA does.
 */
int gu_capture_refuses(const char* who);
/** Queues work on a stream without capturing or counting it: a graph's launch. */
bool gu_enqueue_plain(void* stream, std::function<void()>* work);
/** True if `stream` is a live stream the caller created (not the legacy NULL stream). */
bool gu_stream_valid(void* stream);
}
