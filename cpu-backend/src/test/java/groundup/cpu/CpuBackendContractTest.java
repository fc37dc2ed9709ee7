package groundup.cpu;

import groundup.backend.Backend;
import groundup.testing.BackendContract;

/** The shared backend contract, run on the CPU backend with 2 threads so the parallel paths run too (every convolution on oneDNN, as auto runs it). */
class CpuBackendContractTest extends BackendContract {
    @Override protected Backend createBackend() { return new CpuBackend(2); }
}
