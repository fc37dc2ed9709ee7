package groundup.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where nvcc and ptxas exist (they do on the development machines, not necessarily in CI):
 * every kernel compiles for sm_75 and sm_90, the shipped PTX (ISA 8.0) assembles for both,
 * and the shipped PTX is what build-ptx.sh makes from kernels.cu today.
 */
class PtxTest {
    @TempDir Path dir;
    private static final Path CU = Path.of("src/main/cuda/kernels.cu"), PTX = Path.of("src/main/resources/groundup/cuda/kernels.ptx");

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out: " + cmd);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + out);
        return out;
    }

    private static boolean has(String tool) {
        try {
            Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test void kernelsCompileForTuringAndHopperAndTheShippedPtxIsCurrent() throws Exception {
        assumeTrue(has("nvcc") && has("ptxas"), "nvcc/ptxas not installed: the PTX check runs where the CUDA toolkit is");
        for (String arch : new String[] {"75", "90"}) {
            Path ptx = dir.resolve("k" + arch + ".ptx");
            run(List.of("nvcc", "--ptx", "-arch=compute_" + arch, "-O3", "-o", ptx.toString(), CU.toString()));
            run(List.of("ptxas", "-arch=sm_" + arch, "-o", dir.resolve("k" + arch + ".cubin").toString(), ptx.toString()));
            run(List.of("ptxas", "-arch=sm_" + arch, "-o", dir.resolve("shipped" + arch + ".cubin").toString(), PTX.toString()));
        }
        String shipped = Files.readString(PTX);
        assertTrue(shipped.contains("\n.version 8.0\n") && shipped.contains("\n.target sm_75\n"), "shipped PTX header");
        String version = run(List.of("nvcc", "--version"));
        List<String> fresh = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("k75.ptx"))) fresh.add(line.startsWith(".version ") ? ".version 8.0" : line);
        // the PTX names the nvcc that made it; only the same nvcc can be expected to reproduce it byte for byte
        String release = version.lines().filter(l -> l.contains("release")).findFirst().orElse("");
        assumeTrue(!release.isEmpty() && shipped.contains(release.substring(release.indexOf("Cuda compilation tools")).trim()),
                "the shipped PTX was made by another nvcc (" + release + "); run cuda-backend/build-ptx.sh to refresh it");
        assertEquals(String.join("\n", fresh).strip(), shipped.strip(), "kernels.ptx is stale: run cuda-backend/build-ptx.sh");
    }
}
