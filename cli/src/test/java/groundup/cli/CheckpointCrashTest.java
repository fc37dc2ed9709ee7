package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.backend.Backend;
import groundup.cpu.CpuBackend;
import groundup.io.Checkpoint;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Sequential;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 in the middle of checkpoint writes: a child JVM saves SimpleConvNet checkpoints in a
 * loop (1.7 MB each) and is killed at random moments; after every kill the file on disk must
 * still load completely.
 */
class CheckpointCrashTest {
    @TempDir Path dir;

    /** The child: writes checkpoints into args[0] until killed. */
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        try (Backend b = new CpuBackend(1); Sequential net = Networks.create(NetworkSpec.of("simple-cnn"), b, 1)) {
            for (int i = 0; ; i++) {
                Checkpoint.save(file, net, null, Map.of("i", Integer.toString(i)));
                if (i == 0) System.out.println("first checkpoint written");
            }
        }
    }

    @Test void aKilledWriterLeavesTheLastGoodCheckpoint() throws Exception {
        Path file = dir.resolve("ck.safetensors");
        Random r = new Random(3);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try (Backend b = new CpuBackend(1); Sequential net = Networks.create(NetworkSpec.of("simple-cnn"), b, 9)) {
            for (int round = 0; round < 4; round++) {
                Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), CheckpointCrashTest.class.getName(),
                        file.toString()).redirectErrorStream(true).start();
                // wait for the first complete write, then kill at a random moment inside the loop
                p.getInputStream().read();
                Thread.sleep(50 + r.nextInt(400));
                p.destroyForcibly().waitFor();          // SIGKILL on Linux: no shutdown hooks, no finally
                assertTrue(Files.exists(file), "round " + round + ": the checkpoint must exist");
                Checkpoint.Header h = Checkpoint.load(file, net, null);   // throws if torn
                assertTrue(h.metadata().containsKey("i"));
            }
        }
    }
}
