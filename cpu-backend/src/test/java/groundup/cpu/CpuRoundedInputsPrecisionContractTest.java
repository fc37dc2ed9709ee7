package groundup.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.backend.Backend;
import groundup.backend.Precision;
import groundup.testing.PrecisionContract;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reduced-precision contract on the CPU's bf16 emulation over its fp32 convolution paths
 * ({@link RoundedInputsConvolver}): what a CPU without bf16 instructions runs under auto, here
 * forced as groundup.cpu.bf16=emulated forces it.
 */
class CpuRoundedInputsPrecisionContractTest extends PrecisionContract {
    @Override protected Backend createBackend() { return new CpuBackend(2, ConvolutionKind.AUTO, true, true); }

    @Override protected List<Precision> precisions() { return List.of(Precision.BF16); }

    @Test void itSaysItEmulatesOnTheFp32Path() {
        String d = b.precisionDetail(Precision.BF16);
        assertTrue(d.startsWith("bf16 emulated: groundup.cpu.bf16=emulated") && d.contains("fp32 path after rounding"), d);
    }
}
