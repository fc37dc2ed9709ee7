package groundup.testing;

import groundup.data.Mnist;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Test data: the four IDX files of a small MNIST-format data set of random pixels and labels. */
public final class IdxFiles {
    private IdxFiles() {}

    /** Valid IDX files of other content than MNIST (as Fashion-MNIST or one's own data would be). */
    public static void write(Path dir, int train, int test, long seed) throws IOException {
        Random r = new Random(seed);
        images(dir.resolve(Mnist.TRAIN_IMAGES), train, r);
        labels(dir.resolve(Mnist.TRAIN_LABELS), train, r);
        images(dir.resolve(Mnist.TEST_IMAGES), test, r);
        labels(dir.resolve(Mnist.TEST_LABELS), test, r);
    }

    private static void images(Path f, int n, Random r) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16 + n * 784).putInt(0x803).putInt(n).putInt(28).putInt(28);
        byte[] px = new byte[n * 784];
        r.nextBytes(px);
        Files.write(f, b.put(px).array());
    }

    private static void labels(Path f, int n, Random r) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + n).putInt(0x801).putInt(n);
        for (int i = 0; i < n; i++) b.put((byte) r.nextInt(10));
        Files.write(f, b.array());
    }

}
