// A host stand-in for the CUDA driver API (libcuda.so.1), for tests on machines without a GPU.
// JCuda's own driver binding loads it in place of NVIDIA's; the CUDA backend's Java code runs
// unchanged on it. It is stricter than a GPU where strictness finds bugs:
//
// - Kernels: the module's PTX is parsed for each entry's parameter list and whether it uses
//   barriers; the same kernels.cu, compiled for the host (registry.cpp), must declare the same
//   parameters (count and sizes), else cuModuleGetFunction fails: a stale PTX shows.
// - Launches run every thread of every block. Kernels with bar.sync run each thread as a fiber
//   on its own stack; __syncthreads parks it until all live threads of the block arrive, and
//   the phases between barriers run the threads in alternating directions (runBlockWithBarriers),
//   so a missing barrier shows. Kernels without barriers run their threads one after another.
// - Races: the kernels are compiled with -fsanitize=thread against our own runtime (race.cpp),
//   which checks every access of a launch to its buffers and to __shared__ memory by CUDA's
//   rule (two threads, a plain write or an atomic against a plain access, not both in one
//   block with a barrier between). A race fails the next stream, event or context
//   synchronization once with CUDA_ERROR_LAUNCH_FAILED; cuGetErrorString says where it was.
// - Streams are queues: nothing runs until something waits (a stream or event sync, a
//   synchronous copy, a free). So a host buffer overwritten before its async copy ran, or an
//   event recorded in the wrong place, gives wrong data here as it would on a GPU.
// - Memory: device allocations are filled with 0xFF (NaN as float) so reads of unwritten
//   memory show; each has a guard zone checked after every launch that names it; freed memory
//   stays quarantined, so a kernel argument, copy or GEMM operand that points into freed
//   memory is an error naming the call. The device has a fixed capacity
//   (GROUNDUP_STANDIN_DEVICE_BYTES, default 1 GiB; pinned host memory likewise,
//   GROUNDUP_STANDIN_PINNED_BYTES, default 256 MiB): asking for more is CUDA_ERROR_OUT_OF_MEMORY.
// - A fault found while running queued work (a guard overwritten) is sticky, as on a GPU:
//   every later call answers CUDA_ERROR_ILLEGAL_ADDRESS. (A race is not: its kernel ran, with one
//   of the outcomes a GPU could give, and the tests after it go on.)
// - Stream capture and graphs, and the counters of launches, host synchronizations, copies and
//   allocations that tests read: graph.cpp (this file calls its hooks where a call is counted or a
//   capture must refuse it).
// Every call that fails says why on stderr, prefixed "cuda-standin:".
#include <algorithm>
#include <chrono>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#define GU_DRIVER                            // it sets the CUDA built-ins the kernels read (cuda_host.h)
#include "cuda_host.h"
#include "race.h"
#include "standin.h"

typedef int CUresult;
enum : int {
    CUDA_SUCCESS = 0, CUDA_ERROR_INVALID_VALUE = 1, CUDA_ERROR_OUT_OF_MEMORY = 2, CUDA_ERROR_NOT_INITIALIZED = 3,
    CUDA_ERROR_INVALID_DEVICE = 101, CUDA_ERROR_INVALID_IMAGE = 200, CUDA_ERROR_INVALID_CONTEXT = 201,
    CUDA_ERROR_INVALID_PTX = 218, CUDA_ERROR_INVALID_HANDLE = 400, CUDA_ERROR_NOT_FOUND = 500,
    CUDA_ERROR_NOT_READY = 600, CUDA_ERROR_ILLEGAL_ADDRESS = 700, CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701, CUDA_ERROR_CONTEXT_IS_DESTROYED = 709,
    CUDA_ERROR_LAUNCH_FAILED = 719,
    CUDA_ERROR_NOT_SUPPORTED = 801
};

static void say(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cuda-standin: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    fflush(stderr);
    va_end(ap);
}

// ---- state (one lock: JCuda may call from several Java threads) ---------------------------------

static std::recursive_mutex lock_;
#define LOCKED std::lock_guard<std::recursive_mutex> guard_(lock_)

static const uint64_t GUARD = 256;          // guard zone after each device allocation
static const unsigned char GUARD_BYTE = 0xA5, POISON = 0xFF;

struct Alloc {
    uint64_t bytes;
    bool freed;
};
struct Heap {
    const char* what;
    uint64_t capacity, used = 0, quarantined = 0;
    std::map<uint64_t, Alloc> blocks;       // base -> allocation, live and freed (quarantine)
    std::deque<uint64_t> freedOrder;
    /** The allocation holding p, or blocks.end(). */
    std::map<uint64_t, Alloc>::iterator find(uint64_t p) {
        auto it = blocks.upper_bound(p);
        if (it == blocks.begin()) return blocks.end();
        --it;
        return p < it->first + std::max<uint64_t>(it->second.bytes, 1) ? it : blocks.end();
    }
};
static Heap device{"device", 1ull << 30}, pinned{"pinned host", 256ull << 20};

static bool initialized = false;
static CUresult sticky = CUDA_SUCCESS;
static CUresult raceFault = CUDA_SUCCESS;   // a race found since the last synchronization: answered once
static std::string faultText;               // the last fault or race, for cuGetErrorString

/** What a synchronization answers: a sticky fault, else a race found since the last one (once). */
static CUresult waited() {
    if (sticky != CUDA_SUCCESS) return sticky;
    CUresult r = raceFault;
    raceFault = CUDA_SUCCESS;
    return r;
}

struct Context {
    int refs = 0;
    bool alive = false;
};
static Context primary;
static thread_local Context* current_ = nullptr;

struct Op {
    uint64_t seq;
    std::function<void()> work;
};
struct Stream {
    std::deque<Op> ops;
    uint64_t enqueued = 0, done = 0;
    bool destroyed = false;
};
static Stream legacy;                       // the NULL stream
static std::unordered_map<void*, Stream*> streams;

struct Event {
    Stream* stream = nullptr;
    uint64_t seq = 0;
    unsigned int flags = 0;
    // host nanoseconds when the stream reached the event, -1 until then: a marker op queued
    // behind the work it follows sets it, and owns it with the event (it may outlive the event)
    std::shared_ptr<std::atomic<int64_t>> reached;
};
static std::unordered_map<void*, Event*> events;

struct Entry {
    std::string name;
    std::vector<size_t> params;             // bytes of each .param, as the PTX declares it
    std::vector<bool> pointerLike;          // .u64/.b64/.s64: may hold a device address
    bool barrier = false;
};
struct Module {
    std::map<std::string, Entry> entries;
};
struct Function {
    const Entry* entry;
    const GuHostKernel* host;
};
static std::unordered_map<void*, Module*> modules;

// ---- helpers ------------------------------------------------------------------------------------

static uint64_t envBytes(const char* name, uint64_t dflt) {
    const char* v = getenv(name);
    return v && *v ? strtoull(v, nullptr, 10) : dflt;
}

/** The common preamble: initialized, a live context current, no sticky fault. */
static CUresult ready(const char* who) {
    if (!initialized) { say("%s before cuInit", who); return CUDA_ERROR_NOT_INITIALIZED; }
    if (sticky != CUDA_SUCCESS) { say("%s after an earlier fault (sticky error %d)", who, sticky); return sticky; }
    if (current_ == nullptr) { say("%s with no context current on this thread", who); return CUDA_ERROR_INVALID_CONTEXT; }
    if (!current_->alive) { say("%s on a released context", who); return CUDA_ERROR_CONTEXT_IS_DESTROYED; }
    return CUDA_SUCCESS;
}
#define READY(who) do { CUresult r_ = ready(who); if (r_ != CUDA_SUCCESS) return r_; } while (0)

static Stream* stream(void* h, const char* who) {
    if (h == nullptr) return &legacy;
    auto it = streams.find(h);
    if (it == streams.end() || it->second->destroyed) { say("%s on an unknown or destroyed stream %p", who, h); return nullptr; }
    return it->second;
}

static void runUntil(Stream* s, uint64_t seq) {
    while (!s->ops.empty() && s->ops.front().seq <= seq && sticky == CUDA_SUCCESS) {
        Op op = std::move(s->ops.front());
        s->ops.pop_front();
        op.work();
        s->done = op.seq;
    }
    if (sticky != CUDA_SUCCESS) s->ops.clear();
}

/** Runs everything queued on every stream: a device-wide synchronization. */
static void drainAll() {
    runUntil(&legacy, UINT64_MAX);
    for (auto& kv : streams) runUntil(kv.second, UINT64_MAX);
}

static void enqueue(Stream* s, std::function<void()> work) {
    if (gu_capture_take(s, &work)) return;                                      // recorded into a graph instead (graph.cpp)
    s->ops.push_back(Op{++s->enqueued, std::move(work)});
    if (s->ops.size() > 4096) runUntil(s, s->ops[s->ops.size() - 1024].seq);   // bound the queue
}

/** A live range inside one allocation of heap h, or an error naming who asked. */
static bool inside(Heap& h, const char* who, uint64_t p, uint64_t bytes) {
    auto it = h.find(p);
    if (it == h.blocks.end()) { say("%s: 0x%llx is not %s memory from the stand-in", who, (unsigned long long)p, h.what); return false; }
    if (it->second.freed) { say("%s: 0x%llx points into freed %s memory", who, (unsigned long long)p, h.what); return false; }
    if (p + bytes > it->first + it->second.bytes) {
        say("%s: [0x%llx, +%llu bytes) runs past the end of its %llu-byte %s allocation by %llu bytes", who, (unsigned long long)p,
            (unsigned long long)bytes, (unsigned long long)it->second.bytes, h.what,
            (unsigned long long)(p + bytes - it->first - it->second.bytes));
        return false;
    }
    return true;
}

static bool guardIntact(uint64_t base, const Alloc& a) {
    const unsigned char* g = reinterpret_cast<const unsigned char*>(base + a.bytes);
    for (uint64_t i = 0; i < GUARD; i++) if (g[i] != GUARD_BYTE) return false;
    return true;
}

static CUresult allocate(Heap& h, uint64_t bytes, uint64_t* out, bool guarded) {
    if (bytes == 0) { say("cuMemAlloc of 0 bytes"); return CUDA_ERROR_INVALID_VALUE; }
    if (h.used + bytes > h.capacity) {
        say("out of %s memory: %llu bytes asked, %llu of %llu free", h.what, (unsigned long long)bytes,
            (unsigned long long)(h.capacity - h.used), (unsigned long long)h.capacity);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    uint64_t total = (bytes + (guarded ? GUARD : 0) + 255) / 256 * 256;
    void* p = aligned_alloc(256, total);
    if (p == nullptr) return CUDA_ERROR_OUT_OF_MEMORY;
    memset(p, POISON, bytes);
    if (guarded) memset(static_cast<char*>(p) + bytes, GUARD_BYTE, GUARD);
    h.blocks[reinterpret_cast<uint64_t>(p)] = Alloc{bytes, false};
    h.used += bytes;
    *out = reinterpret_cast<uint64_t>(p);
    return CUDA_SUCCESS;
}

/** Frees into quarantine: the memory stays mapped and poisoned so later use of it is caught. */
static CUresult release(Heap& h, uint64_t p, const char* who) {
    auto it = h.blocks.find(p);
    if (it == h.blocks.end()) { say("%s(0x%llx): not the start of a %s allocation", who, (unsigned long long)p, h.what); return CUDA_ERROR_INVALID_VALUE; }
    if (it->second.freed) { say("%s(0x%llx): freed twice", who, (unsigned long long)p); return CUDA_ERROR_INVALID_VALUE; }
    if (&h == &device && !guardIntact(p, it->second)) {
        say("%s: the guard zone after the %llu-byte allocation at 0x%llx was overwritten (an out-of-bounds write)", who,
            (unsigned long long)it->second.bytes, (unsigned long long)p);
        sticky = CUDA_ERROR_ILLEGAL_ADDRESS;
        return sticky;
    }
    it->second.freed = true;
    memset(reinterpret_cast<void*>(p), POISON, it->second.bytes);
    h.used -= it->second.bytes;
    h.quarantined += it->second.bytes;
    h.freedOrder.push_back(p);
    while (h.quarantined > (64ull << 20) && !h.freedOrder.empty()) {      // keep the last 64 MiB of freed memory
        uint64_t old = h.freedOrder.front();
        h.freedOrder.pop_front();
        auto o = h.blocks.find(old);
        h.quarantined -= o->second.bytes;
        free(reinterpret_cast<void*>(old));
        h.blocks.erase(o);
    }
    return CUDA_SUCCESS;
}

// ---- what cuBLAS needs (standin.h) ------------------------------------------------------------

extern "C" bool gu_enqueue(void* s, std::function<void()>* work) {
    LOCKED;
    Stream* st = stream(s, "cuBLAS");
    if (st == nullptr) return false;
    gu_count(GU_LAUNCHES);
    enqueue(st, std::move(*work));
    return true;
}
extern "C" bool gu_enqueue_plain(void* s, std::function<void()>* work) {
    LOCKED;
    Stream* st = stream(s, "cuGraphLaunch");
    if (st == nullptr) return false;
    st->ops.push_back(Op{++st->enqueued, std::move(*work)});
    return true;
}
extern "C" bool gu_stream_valid(void* s) {
    LOCKED;
    auto it = streams.find(s);
    return it != streams.end() && !it->second->destroyed;
}
extern "C" bool gu_device_range(const char* who, uint64_t p, uint64_t bytes) {
    LOCKED;
    return inside(device, who, p, bytes);
}
extern "C" bool gu_context_current(void) { return current_ != nullptr && current_->alive; }

// ---- kernels: the CUDA C globals, fibers for barriers --------------------------------------------

extern "C" {
gu_uint3 gu_threadIdx, gu_blockIdx, gu_blockDim, gu_gridDim;
}

// A fiber switch for x86-64 SysV: saves the callee-saved registers on the current stack, stores
// its stack pointer in *save, loads `load` and pops the other fiber's registers.
extern "C" void gu_fiber_switch(void** save, void* load);
asm(R"(
    .text
    .globl gu_fiber_switch
    .type gu_fiber_switch, @function
gu_fiber_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size gu_fiber_switch, .-gu_fiber_switch
)");

namespace {
enum FiberState { RUNNABLE, AT_BARRIER, FINISHED };
struct Fiber {
    void* sp;
    FiberState state;
    gu_uint3 tid;
};
const size_t STACK = 128 << 10;
std::vector<char*> stacks;
std::vector<Fiber> fibers;
void* schedulerSp;
Fiber* running = nullptr;
const GuHostKernel* fiberKernel;
void* fiberFn;                               // fiberKernel's plain or race-checked build
void* const* fiberArgs;

void fiberMain() {
    fiberKernel->invoke(fiberFn, fiberArgs);
    running->state = FINISHED;
    gu_fiber_switch(&running->sp, schedulerSp);
    abort();                                 // a finished fiber is never resumed
}

void* fiberStack(size_t k) {
    while (stacks.size() <= k) stacks.push_back(static_cast<char*>(aligned_alloc(64, STACK)));
    uintptr_t top = (reinterpret_cast<uintptr_t>(stacks[k]) + STACK) & ~uintptr_t(15);
    void** sp = reinterpret_cast<void**>(top - 16);
    sp[0] = reinterpret_cast<void*>(&fiberMain);   // popped by the switch's ret: fiberMain starts with rsp = 8 mod 16
    sp[1] = nullptr;
    sp -= 6;                                       // rbp rbx r12 r13 r14 r15
    for (int i = 0; i < 6; i++) sp[i] = nullptr;
    return sp;
}

// Which way the threads of a phase run: ascending on one launch, descending on the next, and
// flipped at every barrier. A tree reduction missing its barrier reads stale slots when run
// ascending; a thread reading its lower neighbour's fresh slot without a barrier does when run
// descending. Every kernel with barriers is launched more than once by the tests, so each phase
// runs both ways, and the outcome still depends only on the sequence of launches.
unsigned long long barrierLaunches = 0;

void runBlockWithBarriers(const GuHostKernel* k, void* fn, void* const* args, unsigned threads, bool descendingFirst) {
    fiberKernel = k;
    fiberFn = fn;
    fiberArgs = args;
    fibers.resize(threads);
    unsigned t = 0;
    for (unsigned z = 0; z < gu_blockDim.z; z++)
        for (unsigned y = 0; y < gu_blockDim.y; y++)
            for (unsigned x = 0; x < gu_blockDim.x; x++, t++) fibers[t] = Fiber{fiberStack(t), RUNNABLE, {x, y, z}};
    for (int phase = 0;; phase++) {
        gu_race_phase(phase);
        unsigned waiting = 0;
        for (unsigned i = 0; i < threads; i++) {
            Fiber& f = fibers[(phase % 2 == 0) != descendingFirst ? i : threads - 1 - i];
            if (f.state != RUNNABLE) continue;
            running = &f;
            gu_threadIdx = f.tid;
            gu_fiber_switch(&schedulerSp, f.sp);
            if (f.state == AT_BARRIER) waiting++;
        }
        if (waiting == 0) break;
        for (Fiber& f : fibers) if (f.state == AT_BARRIER) f.state = RUNNABLE;   // exited threads count as arrived
    }
    running = nullptr;
}
}  // namespace

extern "C" void gu_syncthreads(void) {
    if (running == nullptr) {
        say("__syncthreads in a kernel whose PTX has no bar.sync: the shipped PTX is stale");
        abort();
    }
    running->state = AT_BARRIER;
    gu_fiber_switch(&running->sp, schedulerSp);
}

// ---- PTX: entries, parameters, barriers -----------------------------------------------------------

static size_t paramBytes(const std::string& type) {
    // .u64 .s32 .f32 .b8 ...: the digits are the bits
    size_t i = type.find_first_of("0123456789");
    return i == std::string::npos ? 0 : std::stoul(type.substr(i)) / 8;
}

static bool parsePtx(const char* text, Module* m, std::string* error) {
    std::string ptx(text);
    size_t at = 0;
    while ((at = ptx.find(".entry ", at)) != std::string::npos) {
        size_t open = ptx.find('(', at), close = ptx.find(')', open);
        if (open == std::string::npos || close == std::string::npos) { *error = "an .entry without a parameter list"; return false; }
        Entry e;
        e.name = ptx.substr(at + 7, open - at - 7);
        e.name.erase(e.name.find_last_not_of(" \t\n") + 1);
        std::string params = ptx.substr(open + 1, close - open - 1);
        size_t p = 0;
        while ((p = params.find(".param", p)) != std::string::npos) {
            size_t t = params.find('.', p + 6);
            size_t end = params.find_first_of(" \t", t);
            std::string type = params.substr(t, end - t);
            if (type == ".align") { *error = e.name + ": aggregate parameters are not supported by the stand-in"; return false; }
            e.params.push_back(paramBytes(type));
            e.pointerLike.push_back(type == ".u64" || type == ".b64" || type == ".s64");
            p = end;
        }
        size_t body = ptx.find('{', close), depth = 0, q = body;
        for (; q < ptx.size(); q++) {
            if (ptx[q] == '{') depth++;
            if (ptx[q] == '}' && --depth == 0) break;
        }
        std::string code = ptx.substr(body, q - body);
        e.barrier = code.find("bar.sync") != std::string::npos || code.find("barrier.sync") != std::string::npos
                    || code.find("bar.red") != std::string::npos;
        m->entries[e.name] = e;
        at = q;
    }
    if (m->entries.empty()) { *error = "no .entry in the image"; return false; }
    return true;
}

// ---- the driver API -------------------------------------------------------------------------------

extern "C" {

CUresult cuInit(unsigned int flags) {
    LOCKED;
    if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
    if (!initialized) {
        device.capacity = envBytes("GROUNDUP_STANDIN_DEVICE_BYTES", device.capacity);
        pinned.capacity = envBytes("GROUNDUP_STANDIN_PINNED_BYTES", pinned.capacity);
        initialized = true;
    }
    return CUDA_SUCCESS;
}

CUresult cuDriverGetVersion(int* v) {
    if (v == nullptr) return CUDA_ERROR_INVALID_VALUE;
    *v = int(envBytes("GROUNDUP_STANDIN_DRIVER_VERSION", 13000));   // a test may pose as an older driver (12080: CUDA 12.8)
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int* n) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    *n = 1;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGet(int* dev, int ordinal) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
    *dev = 0;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetName(char* name, int len, int dev) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    snprintf(name, len, "GroundUp host stand-in (not a GPU)");
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int* v, int attr, int dev) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    switch (attr) {
        case 75: *v = 7; return CUDA_SUCCESS;     // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: the oldest we support
        case 76: *v = 5; return CUDA_SUCCESS;     // ..._MINOR
        case 1: *v = 1024; return CUDA_SUCCESS;   // MAX_THREADS_PER_BLOCK
        case 16: *v = 1; return CUDA_SUCCESS;     // MULTIPROCESSOR_COUNT
        default: say("cuDeviceGetAttribute(%d) is not modelled", attr); return CUDA_ERROR_NOT_SUPPORTED;
    }
}

CUresult cuDevicePrimaryCtxRetain(void** ctx, int dev) {
    LOCKED;
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    primary.refs++;
    primary.alive = true;
    *ctx = &primary;
    return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRelease_v2(int dev) {
    LOCKED;
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (primary.refs <= 0) { say("cuDevicePrimaryCtxRelease without a matching retain"); return CUDA_ERROR_INVALID_CONTEXT; }
    if (--primary.refs == 0) {
        drainAll();
        primary.alive = false;
    }
    return CUDA_SUCCESS;
}

CUresult cuCtxSetCurrent(void* ctx) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (ctx != nullptr && ctx != &primary) { say("cuCtxSetCurrent(%p): not a context of the stand-in", ctx); return CUDA_ERROR_INVALID_CONTEXT; }
    current_ = static_cast<Context*>(ctx);
    return CUDA_SUCCESS;
}

CUresult cuCtxGetCurrent(void** ctx) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    *ctx = current_;
    return CUDA_SUCCESS;
}

CUresult cuCtxSynchronize(void) {
    LOCKED;
    READY("cuCtxSynchronize");
    if (CUresult r = gu_capture_refuses("cuCtxSynchronize")) return r;
    gu_count(GU_SYNCS);
    drainAll();
    return waited();
}

CUresult cuMemGetInfo_v2(size_t* free, size_t* total) {
    LOCKED;
    READY("cuMemGetInfo");
    *free = device.capacity - device.used;
    *total = device.capacity;
    return CUDA_SUCCESS;
}

CUresult cuMemAlloc_v2(uint64_t* p, size_t bytes) {
    LOCKED;
    READY("cuMemAlloc");
    if (CUresult r = gu_capture_refuses("cuMemAlloc")) return r;
    gu_count(GU_ALLOCATIONS);
    return allocate(device, bytes, p, true);
}

CUresult cuMemFree_v2(uint64_t p) {
    LOCKED;
    READY("cuMemFree");
    if (CUresult r = gu_capture_refuses("cuMemFree")) return r;
    gu_count(GU_SYNCS);
    drainAll();                              // as cudaFree, freeing waits for the device
    if (sticky != CUDA_SUCCESS) return sticky;
    return release(device, p, "cuMemFree");
}

CUresult cuMemAllocHost_v2(void** p, size_t bytes) {
    LOCKED;
    READY("cuMemAllocHost");
    if (CUresult r = gu_capture_refuses("cuMemAllocHost")) return r;
    gu_count(GU_ALLOCATIONS);
    uint64_t out;
    CUresult r = allocate(pinned, bytes, &out, false);
    if (r == CUDA_SUCCESS) *p = reinterpret_cast<void*>(out);
    return r;
}

CUresult cuMemFreeHost(void* p) {
    LOCKED;
    READY("cuMemFreeHost");
    if (CUresult r = gu_capture_refuses("cuMemFreeHost")) return r;
    gu_count(GU_SYNCS);
    drainAll();
    if (sticky != CUDA_SUCCESS) return sticky;
    return release(pinned, reinterpret_cast<uint64_t>(p), "cuMemFreeHost");
}

CUresult cuStreamCreate(void** s, unsigned int flags) {
    LOCKED;
    READY("cuStreamCreate");
    Stream* st = new Stream();
    streams[st] = st;
    *s = st;
    return CUDA_SUCCESS;
}

CUresult cuStreamDestroy_v2(void* s) {
    LOCKED;
    READY("cuStreamDestroy");
    Stream* st = stream(s, "cuStreamDestroy");
    if (st == nullptr || st == &legacy) return CUDA_ERROR_INVALID_HANDLE;
    runUntil(st, UINT64_MAX);                // pending work still completes
    st->destroyed = true;                    // kept, so a later use is recognised as a destroyed stream
    return CUDA_SUCCESS;
}

CUresult cuStreamSynchronize(void* s) {
    LOCKED;
    READY("cuStreamSynchronize");
    if (CUresult r = gu_capture_refuses("cuStreamSynchronize")) return r;
    gu_count(GU_SYNCS);
    Stream* st = stream(s, "cuStreamSynchronize");
    if (st == nullptr) return CUDA_ERROR_INVALID_HANDLE;
    runUntil(st, UINT64_MAX);
    return waited();
}

CUresult cuEventCreate(void** e, unsigned int flags) {
    LOCKED;
    READY("cuEventCreate");
    Event* ev = new Event();
    ev->flags = flags;
    events[ev] = ev;
    *e = ev;
    return CUDA_SUCCESS;
}

CUresult cuEventDestroy_v2(void* e) {
    LOCKED;
    READY("cuEventDestroy");
    auto it = events.find(e);
    if (it == events.end()) return CUDA_ERROR_INVALID_HANDLE;
    delete it->second;
    events.erase(it);
    return CUDA_SUCCESS;
}

CUresult cuEventRecord(void* e, void* s) {
    LOCKED;
    READY("cuEventRecord");
    auto it = events.find(e);
    Stream* st = stream(s, "cuEventRecord");
    if (it == events.end() || st == nullptr) return CUDA_ERROR_INVALID_HANDLE;
    if (CUresult r = gu_capture_refuses("cuEventRecord (events in a graph are not modelled)")) return r;
    auto reached = std::make_shared<std::atomic<int64_t>>(-1);
    enqueue(st, [reached] {
        reached->store(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
    });
    it->second->stream = st;
    it->second->seq = st->enqueued;          // complete once everything queued so far, and its marker, has run
    it->second->reached = reached;
    return CUDA_SUCCESS;
}

// The host time between the moments the stream reached the two events: what the ops between
// them took on the stand-in (which runs a queue when something waits on it). As the driver:
// an event never recorded, or made with CU_EVENT_DISABLE_TIMING (2), is an invalid handle;
// one not reached yet is CUDA_ERROR_NOT_READY.
CUresult cuEventElapsedTime(float* ms, void* start, void* end) {
    LOCKED;
    READY("cuEventElapsedTime");
    auto a = events.find(start), b = events.find(end);
    if (a == events.end() || b == events.end()) { say("cuEventElapsedTime on an unknown event"); return CUDA_ERROR_INVALID_HANDLE; }
    if (!a->second->reached || !b->second->reached) { say("cuEventElapsedTime on an event never recorded"); return CUDA_ERROR_INVALID_HANDLE; }
    if ((a->second->flags | b->second->flags) & 2) { say("cuEventElapsedTime on an event made with CU_EVENT_DISABLE_TIMING"); return CUDA_ERROR_INVALID_HANDLE; }
    int64_t t0 = a->second->reached->load(), t1 = b->second->reached->load();
    if (t0 < 0 || t1 < 0) return CUDA_ERROR_NOT_READY;
    *ms = static_cast<float>((t1 - t0) / 1e6);
    return CUDA_SUCCESS;
}

CUresult cuEventSynchronize(void* e) {
    LOCKED;
    READY("cuEventSynchronize");
    if (CUresult r = gu_capture_refuses("cuEventSynchronize")) return r;
    gu_count(GU_SYNCS);
    auto it = events.find(e);
    if (it == events.end()) return CUDA_ERROR_INVALID_HANDLE;
    if (it->second->stream != nullptr) runUntil(it->second->stream, it->second->seq);
    return waited();
}

/**
 * Whether the device memory queued work touches (a copy, or a launch: what) is still allocated
 * when the work runs: work replayed from a graph after its buffer was freed is a fault. The
 * stand-in's quarantine keeps freed blocks recognisable for the last 64 MiB freed.
 */
static bool liveWhenRun(uint64_t p, const char* who, const char* what = "copy") {
    auto d = device.find(p);
    if (d != device.blocks.end() && !d->second.freed) return true;
    char text[256];
    snprintf(text, sizeof text, "%s: device memory at 0x%llx was freed before the %s ran (a graph replayed after freeing a buffer it uses)",
             who, (unsigned long long)p, what);
    say("%s", text);
    faultText = text;
    sticky = CUDA_ERROR_ILLEGAL_ADDRESS;
    return false;
}

CUresult cuMemcpyHtoDAsync_v2(uint64_t dst, const void* src, size_t bytes, void* s) {
    LOCKED;
    READY("cuMemcpyHtoDAsync");
    Stream* st = stream(s, "cuMemcpyHtoDAsync");
    if (st == nullptr) return CUDA_ERROR_INVALID_HANDLE;
    gu_count(GU_COPIES);
    if (!inside(device, "cuMemcpyHtoDAsync destination", dst, bytes)) return CUDA_ERROR_INVALID_VALUE;
    uint64_t h = reinterpret_cast<uint64_t>(src);
    if (pinned.find(h) != pinned.blocks.end()) {
        // pinned: the copy reads the host buffer when it runs, so it must not change until then
        if (!inside(pinned, "cuMemcpyHtoDAsync source", h, bytes)) return CUDA_ERROR_INVALID_VALUE;
        enqueue(st, [=] { if (liveWhenRun(dst, "cuMemcpyHtoDAsync")) memcpy(reinterpret_cast<void*>(dst), src, bytes); });
    } else {
        // pageable: CUDA stages it before returning
        if (CUresult r = gu_capture_refuses("cuMemcpyHtoDAsync from pageable memory")) return r;
        std::vector<char> copy(static_cast<const char*>(src), static_cast<const char*>(src) + bytes);
        enqueue(st, [=] { if (liveWhenRun(dst, "cuMemcpyHtoDAsync")) memcpy(reinterpret_cast<void*>(dst), copy.data(), bytes); });
    }
    return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoHAsync_v2(void* dst, uint64_t src, size_t bytes, void* s) {
    LOCKED;
    READY("cuMemcpyDtoHAsync");
    Stream* st = stream(s, "cuMemcpyDtoHAsync");
    if (st == nullptr) return CUDA_ERROR_INVALID_HANDLE;
    gu_count(GU_COPIES);
    if (!inside(device, "cuMemcpyDtoHAsync source", src, bytes)) return CUDA_ERROR_INVALID_VALUE;
    uint64_t h = reinterpret_cast<uint64_t>(dst);
    if (pinned.find(h) != pinned.blocks.end()) {
        if (!inside(pinned, "cuMemcpyDtoHAsync destination", h, bytes)) return CUDA_ERROR_INVALID_VALUE;
        enqueue(st, [=] { if (liveWhenRun(src, "cuMemcpyDtoHAsync")) memcpy(dst, reinterpret_cast<const void*>(src), bytes); });
    } else {
        // pageable: CUDA returns once the copy is done
        if (CUresult r = gu_capture_refuses("cuMemcpyDtoHAsync to pageable memory")) return r;
        gu_count(GU_SYNCS);
        enqueue(st, [=] { memcpy(dst, reinterpret_cast<const void*>(src), bytes); });
        runUntil(st, st->enqueued);
    }
    return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoDAsync_v2(uint64_t dst, uint64_t src, size_t bytes, void* s) {
    LOCKED;
    READY("cuMemcpyDtoDAsync");
    Stream* st = stream(s, "cuMemcpyDtoDAsync");
    if (st == nullptr) return CUDA_ERROR_INVALID_HANDLE;
    gu_count(GU_COPIES);
    if (!inside(device, "cuMemcpyDtoDAsync destination", dst, bytes) || !inside(device, "cuMemcpyDtoDAsync source", src, bytes)) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    enqueue(st, [=] {
        if (liveWhenRun(dst, "cuMemcpyDtoDAsync") && liveWhenRun(src, "cuMemcpyDtoDAsync")) {
            memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes);
        }
    });
    return CUDA_SUCCESS;
}

CUresult cuModuleLoadData(void** module, const void* image) {
    LOCKED;
    READY("cuModuleLoadData");
    if (image == nullptr) return CUDA_ERROR_INVALID_VALUE;
    Module* m = new Module();
    std::string error;
    if (!parsePtx(static_cast<const char*>(image), m, &error)) {
        say("cuModuleLoadData: %s", error.c_str());
        delete m;
        return CUDA_ERROR_INVALID_PTX;
    }
    modules[m] = m;
    *module = m;
    return CUDA_SUCCESS;
}

// With JIT options: the error log (CU_JIT_ERROR_LOG_BUFFER = 5, its size CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES
// = 6, in: the buffer's bytes, out: the bytes written) receives why an image does not load, as the
// driver's JIT writes ptxas's messages there. Other options are accepted and ignored.
CUresult cuModuleLoadDataEx(void** module, const void* image, unsigned n, const int* options, void** values) {
    LOCKED;
    READY("cuModuleLoadDataEx");
    if (image == nullptr || (n > 0 && (options == nullptr || values == nullptr))) return CUDA_ERROR_INVALID_VALUE;
    char* log = nullptr;
    size_t logBytes = 0;
    for (unsigned i = 0; i < n; i++) {
        if (options[i] == 5) log = static_cast<char*>(values[i]);
        if (options[i] == 6) logBytes = reinterpret_cast<uintptr_t>(values[i]);
    }
    Module* m = new Module();
    std::string error;
    if (!parsePtx(static_cast<const char*>(image), m, &error)) {
        say("cuModuleLoadDataEx: %s", error.c_str());
        delete m;
        if (log != nullptr && logBytes > 0) {
            std::string text = "cuda-standin: error : " + error;
            size_t written = std::min(text.size(), logBytes - 1);
            memcpy(log, text.data(), written);
            log[written] = 0;
            for (unsigned i = 0; i < n; i++) if (options[i] == 6) values[i] = reinterpret_cast<void*>(uintptr_t(written));
        }
        return CUDA_ERROR_INVALID_PTX;
    }
    modules[m] = m;
    *module = m;
    return CUDA_SUCCESS;
}

CUresult cuModuleUnload(void* module) {
    LOCKED;
    READY("cuModuleUnload");
    auto it = modules.find(module);
    if (it == modules.end()) return CUDA_ERROR_INVALID_HANDLE;
    drainAll();
    modules.erase(it);                       // the Module and its Functions stay allocated: a stale handle is not reused
    return CUDA_SUCCESS;
}

CUresult cuModuleGetFunction(void** fn, void* module, const char* name) {
    LOCKED;
    READY("cuModuleGetFunction");
    auto it = modules.find(module);
    if (it == modules.end()) return CUDA_ERROR_INVALID_HANDLE;
    auto e = it->second->entries.find(name);
    if (e == it->second->entries.end()) { say("cuModuleGetFunction: no kernel '%s' in the PTX", name); return CUDA_ERROR_NOT_FOUND; }
    const GuHostKernel* host = nullptr;
    for (const GuHostKernel& k : gu_host_kernels()) if (name == std::string(k.name)) host = &k;
    if (host == nullptr) { say("cuModuleGetFunction: '%s' is in the PTX but not in kernels.cu: the PTX is stale", name); return CUDA_ERROR_NOT_FOUND; }
    const Entry& entry = e->second;
    if (host->paramSizes != entry.params) {
        std::string ptx, cpp;
        for (size_t b : entry.params) ptx += std::to_string(b) + " ";
        for (size_t b : host->paramSizes) cpp += std::to_string(b) + " ";
        say("cuModuleGetFunction: '%s' takes parameters of [ %s] bytes in the PTX but [ %s] in kernels.cu: the PTX is stale "
            "(run cuda-backend/build-ptx.sh)", name, ptx.c_str(), cpp.c_str());
        return CUDA_ERROR_INVALID_IMAGE;
    }
    *fn = new Function{&entry, host};
    return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(void* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned shared,
                        void* s, void** params, void** extra) {
    LOCKED;
    READY("cuLaunchKernel");
    Function* fn = static_cast<Function*>(f);
    if (fn == nullptr) return CUDA_ERROR_INVALID_HANDLE;
    const char* name = fn->host->name;
    Stream* st = stream(s, name);
    if (st == nullptr) return CUDA_ERROR_INVALID_HANDLE;
    if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0 || gx > 0x7fffffffu || gy > 65535 || gz > 65535 || bx > 1024
        || by > 1024 || bz > 64) {
        say("%s: launch with grid (%u, %u, %u) and block (%u, %u, %u) is out of range", name, gx, gy, gz, bx, by, bz);
        return CUDA_ERROR_INVALID_VALUE;
    }
    if ((uint64_t)bx * by * bz > 1024) { say("%s: %u threads per block, 1024 at most", name, bx * by * bz); return CUDA_ERROR_INVALID_VALUE; }
    if (shared != 0) { say("%s: dynamic shared memory (%u bytes) is not used by our kernels", name, shared); return CUDA_ERROR_INVALID_VALUE; }
    if (extra != nullptr) { say("%s: launch parameters through 'extra' are not supported", name); return CUDA_ERROR_NOT_SUPPORTED; }
    size_t n = fn->entry->params.size();
    if (n > 0 && params == nullptr) { say("%s: takes %zu parameters, none given", name, n); return CUDA_ERROR_INVALID_VALUE; }
    // copy the arguments now, as the driver does: the caller's buffers are gone once this returns
    std::vector<uint64_t> slots(n, 0);
    std::vector<uint64_t> buffers;           // device allocations the launch names, to check their guards after it
    std::vector<GuRaceArg> raceArgs;         // the arguments pointing into them, for the race detector
    for (size_t i = 0; i < n; i++) {
        memcpy(&slots[i], params[i], fn->entry->params[i]);
        if (!fn->entry->pointerLike[i]) continue;
        auto d = device.find(slots[i]);
        if (d != device.blocks.end()) {
            if (d->second.freed) {
                say("%s: argument %zu (0x%llx) points into freed device memory", name, i, (unsigned long long)slots[i]);
                return CUDA_ERROR_INVALID_VALUE;
            }
            buffers.push_back(d->first);
            raceArgs.push_back(GuRaceArg{(unsigned)i, slots[i], d->first, d->second.bytes});
        } else if (pinned.find(slots[i]) != pinned.blocks.end()) {
            say("%s: argument %zu (0x%llx) is pinned host memory, not device memory", name, i, (unsigned long long)slots[i]);
            return CUDA_ERROR_INVALID_VALUE;
        }
    }
    const GuHostKernel* host = fn->host;
    bool barrier = fn->entry->barrier;
    gu_count(GU_LAUNCHES);
    enqueue(st, [=] {
        std::vector<void*> args(n);
        std::vector<uint64_t> copy = slots;
        for (size_t i = 0; i < n; i++) args[i] = &copy[i];
        gu_gridDim = {gx, gy, gz};
        gu_blockDim = {bx, by, bz};
        unsigned threads = bx * by * bz;
        for (uint64_t b : buffers) if (!liveWhenRun(b, name, "launch")) return;
        bool order = barrier && (barrierLaunches++ % 2 == 1);
        void* fn = gu_race_launch(name, host->params, raceArgs) ? host->checked : host->fn;
        for (unsigned z = 0; z < gz; z++)
            for (unsigned y = 0; y < gy; y++)
                for (unsigned x = 0; x < gx; x++) {
                    gu_blockIdx = {x, y, z};
                    gu_race_block();
                    if (barrier) {
                        runBlockWithBarriers(host, fn, args.data(), threads, order);
                        continue;
                    }
                    for (unsigned tz = 0; tz < bz; tz++)
                        for (unsigned ty = 0; ty < by; ty++)
                            for (unsigned tx = 0; tx < bx; tx++) {
                                gu_threadIdx = {tx, ty, tz};
                                host->invoke(fn, args.data());
                            }
                }
        std::string race = gu_race_end();
        if (!race.empty()) {
            say("%s", race.c_str());
            faultText = race;
            raceFault = CUDA_ERROR_LAUNCH_FAILED;
        }
        for (uint64_t b : buffers) {
            auto d = device.blocks.find(b);
            if (!guardIntact(b, d->second)) {
                char text[256];
                snprintf(text, sizeof text, "%s wrote past the end of its %llu-byte buffer at 0x%llx (grid %u x %u, block %u)", name,
                         (unsigned long long)d->second.bytes, (unsigned long long)b, gx, gy, bx);
                say("%s", text);
                faultText = text;
                sticky = CUDA_ERROR_ILLEGAL_ADDRESS;
            }
        }
    });
    return CUDA_SUCCESS;
}

CUresult cuGetErrorName(CUresult r, const char** s) {
    static char buf[32];
    snprintf(buf, sizeof buf, "CUDA_ERROR_%d", r);
    *s = buf;
    return CUDA_SUCCESS;
}

/**
 * The last fault's description for its code (a race names the kernel, both threads and the
 * buffer); for any other code none, as the driver answers for codes it does not know.
 */
CUresult cuGetErrorString(CUresult r, const char** s) {
    LOCKED;
    if (s == nullptr) return CUDA_ERROR_INVALID_VALUE;
    bool last = !faultText.empty() && (r == sticky || (sticky == CUDA_SUCCESS && r == CUDA_ERROR_LAUNCH_FAILED));
    if (!last) {
        *s = nullptr;
        return CUDA_ERROR_INVALID_VALUE;
    }
    static std::string text;
    text = faultText;
    *s = text.c_str();
    return CUDA_SUCCESS;
}

}  // extern "C"
