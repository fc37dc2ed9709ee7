// Every function JCuda's bindings import that the stand-in does not implement (cuda_imports.inc,
// cublas_imports.inc): a weak definition that says its name and answers "not supported", so a
// call the stand-in lacks is a clear failure instead of a lazy-binding crash of the JVM. The real
// implementations (driver.cpp, cublas.cpp) are strong and win at link time. Test-only.
#include <cstdio>
#ifndef GU_IMPORTS
#error "define GU_IMPORTS (the .inc to stub) and GU_UNSUPPORTED (the status to answer)"
#endif
#define GU_STUB(name) \
    extern "C" __attribute__((weak)) int name() { \
        fprintf(stderr, "cuda-standin: %s is not implemented by the stand-in\n", #name); \
        return GU_UNSUPPORTED; \
    }
#include GU_IMPORTS
