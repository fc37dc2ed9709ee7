package groundup.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.backend.Backend;
import groundup.backend.Precision;
import groundup.testing.PrecisionContract;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reduced-precision contract on the CPU's emulation of bf16 (inputs rounded in Java, products
 * by OpenBLAS in float32): what a CPU without bf16 instructions runs, here forced by the im2col
 * convolution path, which has no bf16 kernels of its own.
 */
class CpuEmulatedPrecisionContractTest extends PrecisionContract {
    @Override protected Backend createBackend() { return new CpuBackend(2, "im2col"); }

    @Override protected List<Precision> precisions() { return List.of(Precision.BF16); }

    @Test void itSaysItEmulates() {
        String d = b.precisionDetail(Precision.BF16);
        assertTrue(d.startsWith("bf16 emulated: groundup.cpu.convolution=im2col"), d);
    }
}
