// Stream capture and CUDA graphs for the host stand-in (driver.cpp), and the per-call counters the
// tests read: what a captured training step needs, kept apart from driver.cpp's launch code. Test-only.
//
// - cuStreamBeginCapture(stream, mode) makes a stream record: each operation queued on it (a kernel
//   launch, a cuBLAS call, an async copy from pinned memory) is appended to the capture's graph
//   instead of running; cuStreamEndCapture hands the graph over. A capture refuses what CUDA
//   refuses during a global-mode capture (gu_capture_refuses: a synchronization, an allocation or
//   free, a copy from pageable memory): the refused call fails with
//   CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED and invalidates the capture, whose end then answers
//   CUDA_ERROR_STREAM_CAPTURE_INVALIDATED and gives no graph.
// - cuGraphInstantiateWithFlags makes an executable copy of a graph; cuGraphLaunch queues, as one
//   operation on the stream, every recorded one in order: each runs again with the arguments it
//   was captured with, reading device memory as it is when it runs.
// - Counters since the library loaded: kernel launches (cuLaunchKernel and cuBLAS calls, captured
//   or not), graph launches, host synchronizations, copies and allocations. Read with
//   cuCtxGetLimit(&value, GU_LIMIT + counter): limit codes of the stand-in's own, which no driver
//   has (HostStandIn.counters reads them).
#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "standin.h"

typedef int CUresult;
enum : int {
    CUDA_SUCCESS = 0, CUDA_ERROR_INVALID_VALUE = 1, CUDA_ERROR_NOT_INITIALIZED = 3, CUDA_ERROR_INVALID_CONTEXT = 201,
    CUDA_ERROR_INVALID_HANDLE = 400, CUDA_ERROR_NOT_SUPPORTED = 801, CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED = 900,
    CUDA_ERROR_STREAM_CAPTURE_INVALIDATED = 901, CUDA_ERROR_STREAM_CAPTURE_UNMATCHED = 903
};
enum : int { CU_STREAM_CAPTURE_MODE_GLOBAL = 0, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1, CU_STREAM_CAPTURE_MODE_RELAXED = 2 };
enum : int { CU_STREAM_CAPTURE_STATUS_NONE = 0, CU_STREAM_CAPTURE_STATUS_ACTIVE = 1, CU_STREAM_CAPTURE_STATUS_INVALIDATED = 2 };
static const int GU_LIMIT = 0x47550000;     // "GU": cuCtxGetLimit(GU_LIMIT + GuCounter)

static void say(const char* what) {
    fprintf(stderr, "cuda-standin: %s\n", what);
    fflush(stderr);
}

namespace {
using Work = std::function<void()>;
struct Graph {
    std::vector<Work> ops;
};
struct Exec {
    std::shared_ptr<const std::vector<Work>> ops;
};
struct Capture {
    Graph* graph;
    int mode;
    bool invalidated;
};
std::recursive_mutex graphLock;             // never held while calling into driver.cpp, which has its own
std::unordered_map<void*, Capture> captures;            // by stream
std::unordered_set<Graph*> graphs;
std::unordered_set<Exec*> execs;
std::atomic<unsigned long long> counters[GU_COUNTERS];
}  // namespace

extern "C" {

void gu_count(int counter) {
    if (counter >= 0 && counter < GU_COUNTERS) counters[counter]++;
}

bool gu_capture_take(void* stream, std::function<void()>* work) {
    std::lock_guard<std::recursive_mutex> g(graphLock);
    auto it = captures.find(stream);
    if (it == captures.end()) return false;
    if (!it->second.invalidated) it->second.graph->ops.push_back(std::move(*work));
    return true;                            // an invalidated capture still takes the work: nothing runs until it ends
}

int gu_capture_refuses(const char* who) {
    std::lock_guard<std::recursive_mutex> g(graphLock);
    bool refused = false;
    for (auto& kv : captures) {
        if (kv.second.mode == CU_STREAM_CAPTURE_MODE_RELAXED) continue;
        kv.second.invalidated = true;
        refused = true;
    }
    if (!refused) return CUDA_SUCCESS;
    fprintf(stderr, "cuda-standin: %s during a stream capture: a graph cannot hold it (the capture is invalidated)\n", who);
    fflush(stderr);
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
}

CUresult cuStreamBeginCapture_v2(void* stream, int mode) {
    if (!gu_context_current()) return CUDA_ERROR_INVALID_CONTEXT;
    if (stream == nullptr || !gu_stream_valid(stream)) { say("cuStreamBeginCapture: the legacy stream or an unknown one cannot be captured"); return CUDA_ERROR_INVALID_HANDLE; }
    if (mode != CU_STREAM_CAPTURE_MODE_GLOBAL && mode != CU_STREAM_CAPTURE_MODE_THREAD_LOCAL && mode != CU_STREAM_CAPTURE_MODE_RELAXED) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    std::lock_guard<std::recursive_mutex> g(graphLock);
    if (captures.count(stream)) { say("cuStreamBeginCapture: the stream is already being captured"); return CUDA_ERROR_INVALID_VALUE; }
    Graph* graph = new Graph();
    graphs.insert(graph);
    captures[stream] = Capture{graph, mode, false};
    return CUDA_SUCCESS;
}

CUresult cuStreamEndCapture(void* stream, void** graph) {
    if (graph == nullptr) return CUDA_ERROR_INVALID_VALUE;
    std::lock_guard<std::recursive_mutex> g(graphLock);
    auto it = captures.find(stream);
    if (it == captures.end()) { say("cuStreamEndCapture: the stream is not being captured"); return CUDA_ERROR_STREAM_CAPTURE_UNMATCHED; }
    Capture c = it->second;
    captures.erase(it);
    if (c.invalidated) {
        graphs.erase(c.graph);
        delete c.graph;
        *graph = nullptr;
        return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
    }
    *graph = c.graph;
    return CUDA_SUCCESS;
}

CUresult cuStreamIsCapturing(void* stream, int* status) {
    if (status == nullptr) return CUDA_ERROR_INVALID_VALUE;
    std::lock_guard<std::recursive_mutex> g(graphLock);
    auto it = captures.find(stream);
    *status = it == captures.end() ? CU_STREAM_CAPTURE_STATUS_NONE
              : it->second.invalidated ? CU_STREAM_CAPTURE_STATUS_INVALIDATED : CU_STREAM_CAPTURE_STATUS_ACTIVE;
    return CUDA_SUCCESS;
}

CUresult cuGraphInstantiateWithFlags(void** exec, void* graph, unsigned long long flags) {
    if (exec == nullptr || flags != 0) return CUDA_ERROR_INVALID_VALUE;
    std::lock_guard<std::recursive_mutex> g(graphLock);
    Graph* gr = static_cast<Graph*>(graph);
    if (!graphs.count(gr)) { say("cuGraphInstantiate: not a live graph"); return CUDA_ERROR_INVALID_HANDLE; }
    Exec* e = new Exec{std::make_shared<const std::vector<Work>>(gr->ops)};
    execs.insert(e);
    *exec = e;
    return CUDA_SUCCESS;
}

CUresult cuGraphLaunch(void* exec, void* stream) {
    std::shared_ptr<const std::vector<Work>> ops;
    {
        std::lock_guard<std::recursive_mutex> g(graphLock);
        Exec* e = static_cast<Exec*>(exec);
        if (!execs.count(e)) { say("cuGraphLaunch: not a live executable graph"); return CUDA_ERROR_INVALID_HANDLE; }
        if (captures.count(stream)) { say("cuGraphLaunch into a stream being captured is not modelled by the stand-in"); return CUDA_ERROR_NOT_SUPPORTED; }
        ops = e->ops;
    }
    Work all = [ops] { for (const Work& w : *ops) w(); };
    if (!gu_enqueue_plain(stream, &all)) return CUDA_ERROR_INVALID_HANDLE;
    gu_count(GU_GRAPH_LAUNCHES);
    return CUDA_SUCCESS;
}

CUresult cuGraphDestroy(void* graph) {
    std::lock_guard<std::recursive_mutex> g(graphLock);
    Graph* gr = static_cast<Graph*>(graph);
    if (!graphs.erase(gr)) return CUDA_ERROR_INVALID_HANDLE;
    delete gr;
    return CUDA_SUCCESS;
}

CUresult cuGraphExecDestroy(void* exec) {
    std::lock_guard<std::recursive_mutex> g(graphLock);
    Exec* e = static_cast<Exec*>(exec);
    if (!execs.erase(e)) return CUDA_ERROR_INVALID_HANDLE;
    delete e;                               // a launch already queued keeps its operations (shared)
    return CUDA_SUCCESS;
}

CUresult cuCtxGetLimit(size_t* value, int limit) {
    if (value == nullptr) return CUDA_ERROR_INVALID_VALUE;
    if (limit >= GU_LIMIT && limit < GU_LIMIT + GU_COUNTERS) {
        *value = counters[limit - GU_LIMIT].load();
        return CUDA_SUCCESS;
    }
    fprintf(stderr, "cuda-standin: cuCtxGetLimit(%d) is not modelled\n", limit);
    return CUDA_ERROR_NOT_SUPPORTED;
}

}  // extern "C"
