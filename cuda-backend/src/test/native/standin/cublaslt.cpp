// Stand-in for libcublasLt.so.13: CudaNatives loads cuBLASLt from the directory cuBLAS comes from;
// the stand-in's cuBLAS needs nothing of it. Test-only.
extern "C" int gu_cublaslt_standin(void) { return 0; }
