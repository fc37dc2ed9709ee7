package groundup.cpu;

import groundup.backend.Backend;
import groundup.testing.BackendContract;

/** The contract again on one thread: the serial paths of every kernel. */
class CpuBackendContractSingleThreadTest extends BackendContract {
    @Override protected Backend createBackend() { return new CpuBackend(1); }
}
