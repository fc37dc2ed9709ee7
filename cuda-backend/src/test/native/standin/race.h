// The stand-in's race detector (race.cpp), as the driver (driver.cpp) drives it. Test-only.
//
// build.sh compiles the kernels a second time with g++ -fsanitize=thread, which calls
// __tsan_read4, __tsan_write8... before every load and store; a launch to be checked runs that
// build. race.cpp defines those entry points itself (no libtsan in the JVM) and applies CUDA's
// rule within one launch: two accesses to the same 4-byte word by different threads, at least
// one a plain write or one an atomic against a plain access, race unless both threads are in the
// same block and a __syncthreads separates them. Blocks are never ordered; launches are
// (the stand-in runs them one after another), so the record starts afresh with every launch.
// Tracked: the device allocations a launch's arguments point into, and __shared__ memory.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

/** A kernel argument that points into a device allocation. */
struct GuRaceArg {
    unsigned index;        // the argument's position
    uint64_t value;        // the pointer passed
    uint64_t base, bytes;  // the allocation it points into
};

/**
 * A launch of kernel begins (params: its parameter names, comma-separated, or ""). True if it is
 * to be checked: then it must run the kernel's instrumented build (GuHostKernel::checked).
 */
bool gu_race_launch(const char* kernel, const char* params, const std::vector<GuRaceArg>& args);
/** The block gu_blockIdx starts: its __shared__ memory is fresh, its barrier phase 0. */
void gu_race_block();
/** The block's threads have all passed `phase` barriers (runBlockWithBarriers). */
void gu_race_phase(unsigned phase);
/** Ends the launch: the first race it had, described, or "" if none. */
std::string gu_race_end();
