package groundup.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.errors.InvalidFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir Path dir;

    private Path idx(String name, int magic, int[] dims, int payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload);
        b.putInt(magic);
        for (int d : dims) b.putInt(d);
        for (int i = 0; i < payload; i++) b.put((byte) (i * 7));
        Path f = dir.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    private Path images(int n) throws IOException { return idx("img", 0x803, new int[] {n, 28, 28}, n * 784); }

    private Path labels(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + n).putInt(0x801).putInt(n);
        for (int i = 0; i < n; i++) b.put((byte) (i % 10));
        Path f = dir.resolve("lab");
        Files.write(f, b.array());
        return f;
    }

    @Test void readsImagesAndLabelsScaledToUnitRange() throws IOException {
        Dataset d = Mnist.load(images(3), labels(3), "t");
        assertEquals(3, d.count());
        assertArrayEquals(new int[] {0, 1, 2}, d.labels());
        assertEquals(7 / 255f, d.images()[1], 1e-7);
        assertEquals(((784 * 2 + 5) * 7 & 0xFF) / 255f, d.images()[784 * 2 + 5], 1e-7);
    }

    private void rejects(Path f, int dims, String text) {
        InvalidFileException e = assertThrows(InvalidFileException.class, () -> IdxReader.read(f, dims));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains(text), e.getMessage());
    }

    @Test void rejectsBadMagicWrongRankTruncationTrailingBytesAndHugeHeaders() throws IOException {
        rejects(idx("magic", 0x12345678, new int[] {1, 28, 28}, 784), 3, "magic");
        rejects(idx("rank", 0x802, new int[] {1, 784}, 784), 3, "2 dimensions");
        Path full = images(2);
        byte[] bytes = Files.readAllBytes(full);
        Path cut = dir.resolve("cut");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 1));
        rejects(cut, 3, "truncated");
        Path longer = dir.resolve("long");
        Files.write(longer, java.util.Arrays.copyOf(bytes, bytes.length + 3));
        rejects(longer, 3, "trailing");
        rejects(idx("huge", 0x803, new int[] {Integer.MAX_VALUE, 28, 28}, 10), 3, "2^31");
        rejects(idx("neg", 0x803, new int[] {-5, 28, 28}, 10), 3, "dimension 0 is -5");
        Path tiny = dir.resolve("tiny");
        Files.write(tiny, new byte[] {0, 0});
        rejects(tiny, 3, "too short");
    }

    @Test void rejectsMismatchedCountsAndNonDigitLabels() throws IOException {
        Path im = images(4), lb = labels(3);
        InvalidFileException e = assertThrows(InvalidFileException.class, () -> Mnist.load(im, lb, "t"));
        assertTrue(e.getMessage().contains("3 labels for 4 images"), e.getMessage());
        Path bad = dir.resolve("badlab");
        Files.write(bad, ByteBuffer.allocate(9).putInt(0x801).putInt(1).put((byte) 12).array());
        Path im1 = images(1);
        e = assertThrows(InvalidFileException.class, () -> Mnist.load(im1, bad, "t"));
        assertTrue(e.getMessage().contains("label 12"), e.getMessage());
    }

    @Test void randomBytesNeverEscapeAsAnythingButInvalidFileException() throws IOException {
        java.util.Random r = new java.util.Random(5);
        Path f = dir.resolve("fuzz");
        byte[] good = Files.readAllBytes(images(2));
        for (int i = 0; i < 300; i++) {
            byte[] b = i % 3 == 0 ? new byte[r.nextInt(64)] : good.clone();
            if (i % 3 == 0) r.nextBytes(b);
            else for (int k = 0; k < 1 + r.nextInt(4); k++) b[r.nextInt(Math.min(b.length, i % 2 == 0 ? 16 : b.length))] ^= (byte) (1 << r.nextInt(8));
            if (i % 5 == 0) b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
            Files.write(f, b);
            try {
                IdxReader.read(f, 3);
            } catch (InvalidFileException expected) {
                // the only failure allowed
            }
        }
    }
}
