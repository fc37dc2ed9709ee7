// The stand-in's race detector: the runtime that g++ -fsanitize=thread's instrumentation of the
// kernels calls (__tsan_read4, __tsan_write8, ...), written for CUDA's rule (race.h) instead of
// libtsan's happens-before model. Not itself instrumented. Test-only.
//
// Why not libtsan: it has to be preloaded into the JVM before anything else, then reports races
// in the JVM's own code (libjvm's Metaspace and Mutex, at `java -jar ... backends`), and its
// happens-before model would need every GPU thread of every block as a TSan fiber plus a
// release/acquire per barrier and per launch to say what CUDA's rule says directly. Here the
// scheduler tells us the block and barrier phase, so the rule is checked exactly.
//
// Per 4-byte word and launch, three histories: plain reads, plain writes, atomics. Blocks run
// one after another and, within a block, phases one after another, so a history needs only its
// latest access, whether another thread of that access's block and phase made one too, and
// whether any came from another block: one 64-bit word each. Shadow memory is 24 bytes per word,
// in chunks taken from a pool as a launch first touches them and zeroed when it ends.
#include "race.h"

#include <cxxabi.h>
#include <dlfcn.h>
#include <elf.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "cuda_host.h"

namespace {
// a history: bits 0-9 thread in the block, 10 valid, 11 another thread of the same block and
// phase, 12 another block, 13-28 barrier phase, 29-63 linear block index
typedef uint64_t History;
const History VALID = 1 << 10, OTHER_THREAD = 1 << 11, OTHER_BLOCK = 1 << 12;
inline unsigned threadOf(History h) { return h & 1023; }
inline uint64_t blockOf(History h) { return h >> 29; }
inline History at(uint64_t block, unsigned phase, unsigned thread) { return block << 29 | (History)phase << 13 | VALID | thread; }
const History SAME_POSITION = ~(History)(1023 | OTHER_THREAD | OTHER_BLOCK);   // block, phase, valid
const History SAME_BLOCK = ~(History)0 << 29;

struct Cell {
    History read, write, atomic;
};
enum Kind { READ, WRITE, ATOMIC };
const char* const KIND_NAME[] = {"a plain read", "a plain write", "an atomic"};

// What a history's accesses race with x (VALID | ...), or 0: the latest if unordered with x, else
// the flags: "another thread of x's block and phase" or "a thread of an earlier block"
History conflict(History h, History x) {
    if (!(h & VALID)) return 0;
    if ((h & SAME_BLOCK) != (x & SAME_BLOCK)) return h & ~(OTHER_THREAD | OTHER_BLOCK);
    if (h & OTHER_BLOCK) return OTHER_BLOCK;
    if ((h & SAME_POSITION) != (x & SAME_POSITION)) return 0;   // an earlier phase of this block: a barrier between
    if (threadOf(h) != threadOf(x)) return h & ~(OTHER_THREAD | OTHER_BLOCK);
    if (h & OTHER_THREAD) return OTHER_THREAD;
    return 0;
}

History record(History h, History x) {
    if (!(h & VALID)) return x;
    History flags = h & OTHER_BLOCK;
    if ((h & SAME_BLOCK) != (x & SAME_BLOCK)) flags = OTHER_BLOCK;
    else if ((h & SAME_POSITION) == (x & SAME_POSITION) && (threadOf(h) != threadOf(x) || (h & OTHER_THREAD))) flags |= OTHER_THREAD;
    return x | flags;
}

const uint64_t CHUNK = 1024;                // words of device memory per shadow chunk
struct Buffer {
    uint64_t base, end;
    std::vector<Cell*> chunks;              // allocated as the launch touches them
    std::vector<GuRaceArg> args;            // the arguments pointing into it
};
std::vector<Cell*> pool;                    // zeroed chunks

bool active = false, raced = false;
const char* kernel = "";
std::vector<std::string> paramNames;
std::vector<Buffer> buffers;
uint64_t blockNo = 0;
unsigned phaseNo = 0;
std::string report;

// __shared__ arrays: cuda_host.h puts them in the section gu_shared; its shadow is valid for the block stamped on it
extern "C" char __start_gu_shared[] __attribute__((weak)), __stop_gu_shared[] __attribute__((weak));
std::vector<Cell> sharedCells;
std::vector<uint64_t> sharedStamp;
uint64_t blockSerial = 0;

std::string coords(uint64_t linear, gu_uint3 dim) {
    char s[64];
    snprintf(s, sizeof s, "(%llu,%llu,%llu)", (unsigned long long)(linear % dim.x), (unsigned long long)(linear / dim.x % dim.y),
             (unsigned long long)(linear / dim.x / dim.y));
    return s;
}

/** "a plain write by thread (3,0,0) of block (1,0,0)", of x or of what conflict() found. */
std::string who(Kind k, History h, History x) {
    std::string s = std::string(KIND_NAME[k]) + " by ";
    if (h == OTHER_THREAD) return s + "another thread of block " + coords(blockOf(x), gu_gridDim);
    if (h == OTHER_BLOCK) return s + "a thread of an earlier block";
    return s + "thread " + coords(threadOf(h), gu_blockDim) + " of block " + coords(blockOf(h), gu_gridDim);
}

/** The static object of this library (a __shared__ array) holding p, demangled ("dot_partial::sh"), from the ELF symbol table. */
std::string objectAt(uint64_t p, uint64_t* start) {
    Dl_info info;
    if (dladdr(reinterpret_cast<void*>(&objectAt), &info) == 0 || info.dli_fname == nullptr) return "";
    FILE* f = fopen(info.dli_fname, "rb");
    if (f == nullptr) return "";
    std::string file;
    char buf[1 << 16];
    for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) file.append(buf, n);
    fclose(f);
    if (file.size() < sizeof(Elf64_Ehdr)) return "";
    const Elf64_Ehdr* eh = reinterpret_cast<const Elf64_Ehdr*>(file.data());
    if (eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > file.size()) return "";
    const Elf64_Shdr* sh = reinterpret_cast<const Elf64_Shdr*>(file.data() + eh->e_shoff);
    uint64_t rel = p - reinterpret_cast<uint64_t>(info.dli_fbase);
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum) continue;
        const Elf64_Sym* syms = reinterpret_cast<const Elf64_Sym*>(file.data() + sh[i].sh_offset);
        const char* names = file.data() + sh[sh[i].sh_link].sh_offset;
        for (size_t k = 0; k < sh[i].sh_size / sizeof(Elf64_Sym); k++) {
            if (ELF64_ST_TYPE(syms[k].st_info) != STT_OBJECT || rel < syms[k].st_value || rel >= syms[k].st_value + syms[k].st_size) continue;
            *start = reinterpret_cast<uint64_t>(info.dli_fbase) + syms[k].st_value;
            const char* mangled = names + syms[k].st_name;
            int status = 0;
            char* plain = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
            std::string out = status == 0 && plain != nullptr ? plain : mangled;
            free(plain);
            return out;
        }
    }
    return "";
}

/** Where p is, for the report: "dx[308] (argument 2 + 1232 bytes, ...)" or "__shared__ dot_partial::sh[3] (+24 bytes, ...)". */
std::string where(uint64_t p, unsigned size, const Buffer* b) {
    char s[512];
    if (b == nullptr) {
        uint64_t start = reinterpret_cast<uint64_t>(__start_gu_shared);
        std::string name = objectAt(p, &start);
        snprintf(s, sizeof s, "__shared__ %s[%llu] (+%llu bytes, a %u-byte access)", name.empty() ? "memory" : name.c_str(),
                 (unsigned long long)((p - start) / size), (unsigned long long)(p - start), size);
        return s;
    }
    const GuRaceArg* arg = nullptr;
    for (const GuRaceArg& a : b->args) if (a.value <= p && (arg == nullptr || a.value > arg->value)) arg = &a;
    if (arg == nullptr) {
        snprintf(s, sizeof s, "byte %llu of a %llu-byte device allocation at 0x%llx that an argument points into",
                 (unsigned long long)(p - b->base), (unsigned long long)(b->end - b->base), (unsigned long long)b->base);
        return s;
    }
    std::string name = arg->index < paramNames.size() ? paramNames[arg->index] : "argument " + std::to_string(arg->index);
    uint64_t off = p - arg->value;
    snprintf(s, sizeof s, "%s[%llu] (argument %u + %llu bytes, a %u-byte access, in a %llu-byte allocation)", name.c_str(),
             (unsigned long long)(off / size), arg->index, (unsigned long long)off, size, (unsigned long long)(b->end - b->base));
    return s;
}

void race(Kind k, History x, Kind prevKind, History prev, uint64_t p, unsigned size, const Buffer* b) {
    raced = true;
    bool sameBlock = prev == OTHER_THREAD || (prev != OTHER_BLOCK && blockOf(prev) == blockOf(x));
    report = std::string("race in kernel ") + kernel + ": " + who(k, x, x) + " and " + who(prevKind, prev, x) + " ("
             + (sameBlock ? "the same block with no __syncthreads between them" : "different blocks: nothing orders them within a launch")
             + ") at " + where(p, size, b);
}

void check(Cell& c, Kind k, History x, uint64_t p, unsigned size, const Buffer* b) {
    History h;
    switch (k) {
        case READ:
            if ((h = conflict(c.write, x))) return race(k, x, WRITE, h, p, size, b);
            c.read = record(c.read, x);
            return;
        case WRITE:
            if ((h = conflict(c.write, x))) return race(k, x, WRITE, h, p, size, b);
            if ((h = conflict(c.read, x))) return race(k, x, READ, h, p, size, b);
            if ((h = conflict(c.atomic, x))) return race(k, x, ATOMIC, h, p, size, b);
            c.write = record(c.write, x);
            return;
        case ATOMIC:
            if ((h = conflict(c.write, x))) return race(k, x, WRITE, h, p, size, b);
            if ((h = conflict(c.read, x))) return race(k, x, READ, h, p, size, b);
            c.atomic = record(c.atomic, x);
            return;
    }
}

Cell* chunk(Buffer& b, uint64_t word) {
    Cell*& c = b.chunks[word / CHUNK];
    if (c == nullptr) {
        if (pool.empty()) {
            c = static_cast<Cell*>(calloc(CHUNK, sizeof(Cell)));
            if (c == nullptr) { fprintf(stderr, "cuda-standin: no memory for the race detector's shadow\n"); abort(); }
        } else {
            c = pool.back();
            pool.pop_back();
        }
    }
    return c + word % CHUNK;
}

Buffer* lastHit = nullptr;

void access(const void* ptr, unsigned size, Kind k) {
    if (!active || raced) return;
    uint64_t p = reinterpret_cast<uint64_t>(ptr);
    History x = at(blockNo, phaseNo, gu_threadIdx.x + gu_blockDim.x * (gu_threadIdx.y + gu_blockDim.y * gu_threadIdx.z));
    uint64_t shared = reinterpret_cast<uint64_t>(__start_gu_shared);
    if (p - shared < sharedCells.size() * 4) {
        for (uint64_t w = (p - shared) / 4; w <= (p + size - 1 - shared) / 4 && w < sharedCells.size() && !raced; w++) {
            if (sharedStamp[w] != blockSerial) {    // last touched by an earlier block: that block's shared memory
                sharedCells[w] = Cell{};
                sharedStamp[w] = blockSerial;
            }
            check(sharedCells[w], k, x, p, size, nullptr);
        }
        return;
    }
    Buffer* b = lastHit;
    if (b == nullptr || p - b->base >= b->end - b->base) {
        b = nullptr;
        for (Buffer& c : buffers) if (p - c.base < c.end - c.base) b = &c;
        if (b == nullptr) return;                   // not device memory of this launch: a stack, the arguments
        lastHit = b;
    }
    uint64_t words = (b->end - b->base + 3) / 4;
    for (uint64_t w = (p - b->base) / 4; w <= (p + size - 1 - b->base) / 4 && w < words && !raced; w++) check(*chunk(*b, w), k, x, p, size, b);
}

/**
 * Whether to check this launch: GROUNDUP_STANDIN_RACECHECK=all checks every launch, 0 none, N
 * (default 2) the first N of each kernel with each grid, block and argument allocation sizes:
 * a training loop repeats the same launches, and checking each costs about six times its run.
 */
bool wanted(const char* name, const std::vector<GuRaceArg>& args) {
    static const long limit = [] {
        const char* v = getenv("GROUNDUP_STANDIN_RACECHECK");
        if (v == nullptr || *v == 0) return 2L;
        if (strcmp(v, "all") == 0) return -1L;
        char* end;
        long n = strtol(v, &end, 10);
        if (*end != 0 || n < 0) {
            fprintf(stderr, "cuda-standin: GROUNDUP_STANDIN_RACECHECK=%s: expected all, 0 or a number of launches; checking all\n", v);
            return -1L;
        }
        return n;
    }();
    static std::map<std::string, long> seen;
    if (limit < 0) return true;
    if (limit == 0) return false;
    std::string key = std::string(name) + " " + std::to_string(gu_gridDim.x) + "," + std::to_string(gu_gridDim.y) + ","
                      + std::to_string(gu_gridDim.z) + " " + std::to_string(gu_blockDim.x) + "," + std::to_string(gu_blockDim.y) + ","
                      + std::to_string(gu_blockDim.z);
    for (const GuRaceArg& a : args) key += " " + std::to_string(a.index) + ":" + std::to_string(a.bytes) + "+" + std::to_string(a.value - a.base);
    return ++seen[key] <= limit;
}
}  // namespace

bool gu_race_launch(const char* name, const char* params, const std::vector<GuRaceArg>& args) {
    if (((uint64_t)gu_gridDim.x * gu_gridDim.y * gu_gridDim.z) >> 35 || !wanted(name, args)) return false;   // 35 bits of block in a History
    kernel = name;
    paramNames.clear();
    for (const char* s = params; *s;) {
        const char* e = strchr(s, ',');
        paramNames.emplace_back(s, e ? e - s : strlen(s));
        s = e ? e + 1 : s + strlen(s);
    }
    buffers.clear();
    lastHit = nullptr;
    for (const GuRaceArg& a : args) {
        Buffer* b = nullptr;
        for (Buffer& x : buffers) if (x.base == a.base) b = &x;
        if (b == nullptr) {
            buffers.push_back(Buffer{a.base, a.base + a.bytes, std::vector<Cell*>((a.bytes + 4 * CHUNK - 1) / (4 * CHUNK)), {}});
            b = &buffers.back();
        }
        b->args.push_back(a);
    }
    size_t words = (size_t)(__stop_gu_shared - __start_gu_shared) / 4;
    if (sharedCells.size() != words) {
        sharedCells.assign(words, Cell{});
        sharedStamp.assign(words, 0);
    }
    report.clear();
    raced = false;
    active = true;
    return true;
}

void gu_race_block() {
    blockNo = gu_blockIdx.x + gu_gridDim.x * (gu_blockIdx.y + (uint64_t)gu_gridDim.y * gu_blockIdx.z);
    phaseNo = 0;
    blockSerial++;
}

void gu_race_phase(unsigned phase) { phaseNo = std::min(phase, 0xFFFFu); }

std::string gu_race_end() {
    if (!active) return "";
    active = false;
    for (Buffer& b : buffers)
        for (Cell* c : b.chunks) {
            if (c == nullptr) continue;
            if (pool.size() * CHUNK * sizeof(Cell) < (64u << 20)) {    // keep up to 64 MiB of shadow for the next launches
                memset(c, 0, CHUNK * sizeof(Cell));
                pool.push_back(c);
            } else {
                free(c);
            }
        }
    buffers.clear();
    return report;
}

// ---- what -fsanitize=thread's instrumentation calls --------------------------------------------

// hidden: the kernels in this library call them directly, not through the PLT, and nothing else sees them
#pragma GCC visibility push(hidden)
extern "C" {
void gu_race_atomic(const void* p, unsigned size) { access(p, size, ATOMIC); }

void __tsan_init() {}
void __tsan_func_entry(void*) {}
void __tsan_func_exit() {}
#define GU_TSAN(n)                                                    \
    void __tsan_read##n(void* p) { access(p, n, READ); }              \
    void __tsan_write##n(void* p) { access(p, n, WRITE); }            \
    void __tsan_unaligned_read##n(void* p) { access(p, n, READ); }    \
    void __tsan_unaligned_write##n(void* p) { access(p, n, WRITE); }
GU_TSAN(1)
GU_TSAN(2)
GU_TSAN(4)
GU_TSAN(8)
GU_TSAN(16)
void __tsan_read_range(void* p, unsigned long n) { if (n) access(p, (unsigned)n, READ); }
void __tsan_write_range(void* p, unsigned long n) { if (n) access(p, (unsigned)n, WRITE); }
}
#pragma GCC visibility pop
