package groundup.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import groundup.backend.Backend;
import groundup.backend.DeviceOutOfMemoryException;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import groundup.testing.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Running out of device or pinned memory: a clear error, and the backend stays usable, with no
 * buffer left pointing at memory it freed before the failed allocation. These need a device of
 * known, small size, so they run on the host stand-in only (the cuda-device execution gives it
 * 512 MiB of device and 64 MiB of pinned memory; a GPU has far more than an int-sized tensor).
 */
@Tag("cuda-device")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaMemoryTest {
    private static final long DEVICE = 512L << 20, PINNED = 64L << 20;
    private Backend b;

    @BeforeAll void open() {
        b = Gpu.backendOrSkip();
        assumeTrue(HostStandIn.active(), "needs the host stand-in's small memory; on a GPU these would not run out");
        assumeTrue(String.valueOf(DEVICE).equals(System.getenv("GROUNDUP_STANDIN_DEVICE_BYTES"))
                && String.valueOf(PINNED).equals(System.getenv("GROUNDUP_STANDIN_PINNED_BYTES")),
                "the stand-in's sizes are set by the cuda-device execution in cuda-backend/pom.xml");
    }

    @AfterAll void shut() {
        if (b != null) b.close();
    }

    private static float[] columnSums(float[] x, int rows, int cols) {
        float[] out = new float[cols];
        for (int c = 0; c < cols; c++) {
            double s = 0;
            for (int r = 0; r < rows; r++) s += x[r * cols + c];
            out[c] = (float) s;
        }
        return out;
    }

    @Test void deviceBytesInUseCountsWhatIsHeld() {
        long before = b.deviceBytesInUse();
        try (Tensor t = b.allocate(Shape.of(1000, 3))) {
            assertEquals(before + 12_000, b.deviceBytesInUse());
        }
        assertEquals(before, b.deviceBytesInUse(), "closing a tensor gives its memory back");
    }

    /** The bytes asked for and the bytes free, the free ones as the device counts them: its size less what is held. */
    @Test void anAllocationTooLargeForTheDeviceNamesTheBytesAskedForAndFree() {
        try (Tensor held = b.allocate(Shape.of(1 << 20))) {               // 4 MiB held, so free is below the device's size
            DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class, () -> b.allocate(Shape.of(200_000_000)));
            assertEquals(800_000_000L, e.requested());
            assertTrue(e.free() > 0 && e.free() <= DEVICE - b.deviceBytesInUse(), e.free() + " bytes free");
            assertTrue(e.getMessage().contains("out of memory allocating 800,000,000 bytes (" + String.format("%,d of %,d bytes free)", e.free(), DEVICE)),
                    e.getMessage());
        }
        try (Tensor t = Tensors.upload(b, new float[] {1, 2, 3}, 3)) {
            assertArrayEquals(new float[] {1, 2, 3}, t.toArray(), "the backend works after the failure");
        }
    }

    /** The reduction scratch grows by freeing the old buffer first; when the new one cannot be had, nothing keeps the old pointer. */
    @Test void aFailedScratchGrowthLeavesNoDanglingBuffer() {
        Random r = new Random(3);
        float[] small = Tensors.random(r, 4 * 8);
        List<Tensor> filler = new ArrayList<>();
        try (Tensor x = Tensors.upload(b, small, 4, 8); Tensor out = b.allocate(Shape.of(8));
             Tensor big = b.allocate(Shape.of(1024, 16384)); Tensor bigOut = b.allocate(Shape.of(16384))) {
            b.sumRows(x, out);                                     // scratch: 4 chunks x 8 columns
            try {
                while (true) filler.add(b.allocate(Shape.of(4 << 20)));   // 16 MiB each, until the device is full
            } catch (DeviceOutOfMemoryException full) {
                // expected: less than 16 MiB left
            }
            // 1024 chunks x 16384 columns of doubles: 128 MiB of scratch cannot be had
            assertThrows(DeviceOutOfMemoryException.class, () -> b.sumRows(big, bigOut));
            filler.forEach(Tensor::close);
            filler.clear();
            b.sumRows(x, out);
            Tensors.assertClose(columnSums(small, 4, 8), out.toArray(), 1e-5, 1e-6, "sumRows after a failed scratch growth");
            double dot = 0;
            for (float v : small) dot += (double) v * v;
            assertEquals(dot, b.dot(x, x), 1e-6 * dot, "dot after a failed scratch growth");
        } finally {
            filler.forEach(Tensor::close);
        }
    }

    /** Likewise the pinned download buffer: one that failed to grow is empty, not a pointer to freed memory. */
    @Test void aFailedStagingGrowthLeavesNoDanglingBuffer() {
        Random r = new Random(4);
        try (Tensor x = b.allocate(Shape.of(1000)); Tensor huge = b.allocate(Shape.of(20_000_000))) {   // 80 MB > 64 MiB pinned
            float[] v = Tensors.random(r, 1000);
            b.upload(v, 0, x);
            assertArrayEquals(v, x.toArray(), "the download buffer made");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.download(huge, new float[20_000_000], 0));
            assertTrue(e.getMessage().contains("cuMemAllocHost"), e.getMessage());
            for (int k = 0; k < 3; k++) {
                float[] w = Tensors.random(r, 1000);
                b.upload(w, 0, x);
                assertArrayEquals(w, x.toArray(), "download " + k + " after a failed staging growth");
            }
        }
    }

    /**
     * A training set larger than all the pinned memory is held all the same, row for row: it goes
     * up in pieces through the two upload buffers, so a run keeps no pinned copy of its data.
     * Rows of 1,000 floats put the pieces' edges (every 4 Mi floats) inside rows.
     */
    @Test void aTrainingSetLargerThanThePinnedMemoryIsHeldRowForRow() {
        int rows = 20_000, cols = 1_000, m = 300;                              // 80 MB > 64 MiB pinned
        float[] data = new float[rows * cols];
        for (int i = 0; i < data.length; i++) data[i] = i % 9_999_991;         // exact in a float; no two rows alike
        float[] order = new float[rows];
        for (int i = 0; i < rows; i++) order[i] = i;
        float[] got = new float[m * cols];
        try (Tensor held = b.hold(data, Shape.of(rows, cols)); Tensor index = Tensors.upload(b, order, rows);
             Tensor at = b.allocate(Shape.of(1)); Tensor batch = b.allocate(Shape.of(m, cols))) {
            for (int p : new int[] {0, 4_100, 8_300, 12_500, 16_700, rows - m}) {  // each piece's edge, and the end
                b.fill(at, p);
                b.gatherRows(held, index, at, batch);
                b.download(batch, got, 0);
                for (int j = 0; j < got.length; j++) {
                    if (got[j] != data[p * cols + j]) {
                        throw new AssertionError("held row " + (p + j / cols) + ", column " + j % cols + ": " + got[j] + ", expected "
                                + data[p * cols + j]);
                    }
                }
            }
        }
    }
}
