package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import groundup.backend.Backend;
import groundup.cpu.CpuBackend;
import groundup.io.Checkpoint;
import groundup.errors.InvalidFileException;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Sequential;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint reader fed random, truncated, bit-flipped and oversized-header bytes throws
 * only InvalidFileException (never an OutOfMemoryError, an index error or a hang), and a
 * refused file leaves the network as it was.
 */
class CheckpointFuzzTest {
    @TempDir Path dir;

    @Test void corruptCheckpointsAreRefusedCleanly() throws Exception {
        try (Backend b = new CpuBackend(1); Sequential net = Networks.create(NetworkSpec.of("two-layer"), b, 1)) {
            Path good = dir.resolve("good.safetensors");
            Checkpoint.save(good, net, null, Map.of());
            byte[] bytes = Files.readAllBytes(good);
            float[] before = net.parameters().get(0).value().toArray();
            Random r = new Random(42);
            Path f = dir.resolve("fuzz.safetensors");
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                for (int i = 0; i < 400; i++) {
                    byte[] x;
                    switch (i % 5) {
                        case 0 -> { x = new byte[r.nextInt(200)]; r.nextBytes(x); }                       // noise
                        case 1 -> x = java.util.Arrays.copyOf(bytes, r.nextInt(bytes.length));           // truncated
                        case 2 -> {                                                                      // flips in the header
                            x = bytes.clone();
                            int hl = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
                            for (int k = 0; k < 1 + r.nextInt(3); k++) x[8 + r.nextInt(hl)] ^= (byte) (1 << r.nextInt(8));
                        }
                        case 3 -> {                                                                      // absurd header length
                            x = bytes.clone();
                            ByteBuffer.wrap(x).order(ByteOrder.LITTLE_ENDIAN).putLong(0, r.nextLong());
                        }
                        default -> {                                                                     // flips anywhere
                            x = bytes.clone();
                            x[r.nextInt(x.length)] ^= (byte) (1 << r.nextInt(8));
                        }
                    }
                    Files.write(f, x);
                    try {
                        Checkpoint.load(f, net, null);
                        // a flip inside the float data is a valid file; put the weights back for the next round
                        Checkpoint.load(good, net, null);
                    } catch (InvalidFileException expected) {
                        // the one failure allowed
                    }
                }
            });
            net.backend().synchronize();
            assertArrayEquals(before, net.parameters().get(0).value().toArray());
        }
    }

    /** A checkpoint holding NaN or an infinity (a diverged run's weights) is refused, naming the tensor and the file; the network keeps its values. */
    @Test void nonFiniteValuesAreRefusedNamingTensorAndFile() throws Exception {
        try (Backend b = new CpuBackend(1); Sequential net = Networks.create(NetworkSpec.of("two-layer"), b, 1);
             groundup.optim.Optimizer opt = new groundup.optim.Optimizer(b, groundup.backend.UpdateRule.Kind.ADAM, 0.001f, 0f)) {
            Path good = dir.resolve("good.safetensors");
            Checkpoint.save(good, net, opt, Map.of());
            float[] before = net.parameters().get(0).value().toArray();
            for (String tensor : new String[] {"affine1.W", "affine2.b", "affine1.W.opt0", "affine2.W.opt1"}) {
                for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                    Path f = dir.resolve("bad.safetensors");
                    CheckpointFiles.withValue(good, f, tensor, bad);
                    InvalidFileException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidFileException.class, () -> Checkpoint.load(f, net, opt));
                    org.junit.jupiter.api.Assertions.assertEquals(f + ": tensor '" + tensor + "' holds " + bad
                            + " at index 0 (saved from a run that diverged?); only finite values load", e.getMessage());
                }
            }
            net.backend().synchronize();
            assertArrayEquals(before, net.parameters().get(0).value().toArray(), "nothing loaded from a refused file");
        }
    }
}
