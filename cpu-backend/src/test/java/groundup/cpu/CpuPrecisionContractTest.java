package groundup.cpu;

import groundup.backend.Backend;
import groundup.backend.Precision;
import groundup.testing.PrecisionContract;
import java.util.List;

/** The reduced-precision contract on the CPU backend (bf16; no tf32), 2 threads, convolutions as auto picks them. */
class CpuPrecisionContractTest extends PrecisionContract {
    @Override protected Backend createBackend() { return new CpuBackend(2); }

    @Override protected List<Precision> precisions() { return List.of(Precision.BF16); }
}
