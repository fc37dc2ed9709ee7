package groundup.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report from a small JMH result file: units converted, CUDA/CPU and PyTorch ratios, charts written. */
class ReportTest {
    /** The series' colours in Charts: GroundUp CPU, GroundUp CUDA, PyTorch. */
    private static final int CPU = 0x1f77b4, CUDA = 0x2ca02c, TORCH = 0xff7f0e;

    @TempDir Path dir;

    @BeforeAll static void headless() { System.setProperty("java.awt.headless", "true"); }

    private static String run(String bench, String params, double... ms) {
        StringBuilder raw = new StringBuilder();
        for (double m : ms) raw.append(raw.length() > 0 ? "," : "").append(m);
        return "{\"benchmark\":\"groundup.bench." + bench + "\",\"params\":{" + params + "},"
                + "\"primaryMetric\":{\"score\":1,\"scoreUnit\":\"ms/op\",\"rawData\":[[" + raw + "]]}}";
    }

    @Test void reportJoinsBackendsAndPytorch() throws Exception {
        String json = "[" + String.join(",",
                run("GemmBench.gemm", "\"backend\":\"cpu\",\"shape\":\"1000x1000x1000\"", 20, 21, 19),     // 2 GFLOP in 20 ms: 100 GFLOP/s
                run("GemmBench.gemm", "\"backend\":\"cuda\",\"shape\":\"1000x1000x1000\"", 0.2, 0.2, 0.2), // 10000 GFLOP/s
                run("TrainStepBench.step", "\"backend\":\"cpu\",\"net\":\"simple-cnn\",\"batch\":\"100\"", 50, 40, 60),
                run("ElementwiseBench.relu", "\"backend\":\"cpu\",\"n\":\"1000000\"", 1, 1, 1)) + "]";
        Path jmh = dir.resolve("jmh.json");
        Files.writeString(jmh, json);
        Path torch = dir.resolve("pytorch-cpu.json");
        Files.writeString(torch, "{\"torch\":\"1.13.1\",\"device\":\"cpu\",\"threads\":2,\"results\":{"
                + "\"gemm 1000x1000x1000\":{\"median\":50,\"min\":45,\"max\":55,\"unit\":\"GFLOP/s\"},"
                + "\"train simple-cnn b100\":{\"median\":4000,\"min\":3900,\"max\":4100,\"unit\":\"img/s\"}}}");
        Report.write(jmh, dir, torch, new Ceilings(10.0, 100.0, "test"));
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("| gemm 1000x1000x1000 | 100.0 GFLOP/s (95.2-105.3) | 10000.0 GFLOP/s"), md);
        assertTrue(md.contains("| 100.00 |"), "CUDA/CPU speed ratio: " + md);
        assertTrue(md.contains("| 2.00 |"), "GroundUp/PyTorch GEMM ratio: " + md);
        assertTrue(md.contains("| train simple-cnn b100 | 2000.0 img/s (1666.7-2500.0)"), md);
        assertTrue(md.contains("| 0.50 |"), "GroundUp/PyTorch training ratio: " + md);
        assertTrue(md.contains("8.0 GB/s") && md.contains("80% of memory stream"), md);

        // GEMM: CPU 100, CUDA 10000, PyTorch 50 GFLOP/s; bars of one thickness, so their areas go as the figures
        // (each series also has its legend's square)
        int[] gemm = pixels(dir.resolve("gemm.png"), 1);
        assertTrue(gemm[1] > 5 * gemm[0] && gemm[0] > gemm[2] && gemm[2] > 0, "CUDA's bar longest, then CPU's, then PyTorch's: "
                + java.util.Arrays.toString(gemm));
        // training: CPU and PyTorch only (no CUDA figure, no CUDA legend entry)
        int[] train = pixels(dir.resolve("train.png"), 1);
        assertTrue(train[0] > 0 && train[2] > 0 && train[1] == 0, java.util.Arrays.toString(train));
    }

    /** A chart per row count: one row is as readable as thirteen (full's GEMM shapes), 900 pixels wide, taller with each row. */
    @Test void chartsGrowWithTheirRows() throws Exception {
        int h1 = 0;
        for (int rows : new int[] {1, 13}) {
            StringBuilder json = new StringBuilder("[");
            for (int i = 0; i < rows; i++) {
                String shape = "\"shape\":\"" + (64 << (i % 7)) + "x64x" + (i + 1) + "\"";
                json.append(i > 0 ? "," : "").append(run("GemmBench.gemm", "\"backend\":\"cpu\"," + shape, 1 + i))
                        .append(",").append(run("GemmBench.gemm", "\"backend\":\"cuda\"," + shape, 0.1));
            }
            Path out = Files.createDirectories(dir.resolve("rows" + rows)), jmh = out.resolve("jmh.json");
            Files.writeString(jmh, json.append("]").toString());
            Report.write(jmh, out, null, new Ceilings(10.0, 100.0, "test"));
            BufferedImage img = ImageIO.read(out.resolve("gemm.png").toFile());
            assertNotNull(img, "gemm.png is a PNG");
            assertEquals(900, img.getWidth());
            if (rows == 1) h1 = img.getHeight();
            else assertTrue(img.getHeight() > h1 + 12 * 40, "13 rows: " + img.getHeight() + " pixels high, 1 row: " + h1);
            int[] px = pixels(out.resolve("gemm.png"), rows);
            assertTrue(px[0] > 0 && px[1] > 0 && px[2] == 0, java.util.Arrays.toString(px));
            assertTrue(Files.notExists(out.resolve("train.png")), "no training rows, no training chart");
        }
    }

    /** Pixels of each series' colour (CPU, CUDA, PyTorch) in a PNG that must read back, of a sensible size. */
    private static int[] pixels(Path png, int rows) throws Exception {
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, png + " is not a PNG that Java reads");
        assertTrue(img.getWidth() >= 600 && img.getHeight() >= 100 + 40 * rows && img.getHeight() < 4000, img.getWidth() + "x" + img.getHeight());
        int[] n = new int[3];
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int c = img.getRGB(x, y) & 0xffffff;
                if (c == CPU) n[0]++;
                else if (c == CUDA) n[1]++;
                else if (c == TORCH) n[2]++;
            }
        }
        return n;
    }

    /** -p precision: an fp32 row keeps its key (and PyTorch's fp32 figure); another precision is a row of its own, named so. */
    @Test void precisionsAreRowsOfTheirOwn() throws Exception {
        String json = "[" + String.join(",",
                run("TrainStepBench.step", "\"backend\":\"cpu\",\"batch\":\"100\",\"net\":\"simple-cnn\",\"precision\":\"fp32\"", 50, 50, 50),
                run("TrainStepBench.step", "\"backend\":\"cpu\",\"batch\":\"100\",\"net\":\"simple-cnn\",\"precision\":\"bf16\"", 25, 25, 25),
                run("InferenceBench.inference", "\"backend\":\"cpu\",\"net\":\"simple-cnn\",\"precision\":\"bf16\"", 1000, 1000, 1000)) + "]";
        Path jmh = dir.resolve("jmh.json");
        Files.writeString(jmh, json);
        Path torch = dir.resolve("pytorch-cpu.json");
        Files.writeString(torch, "{\"torch\":\"1.13.1\",\"device\":\"cpu\",\"threads\":2,\"results\":{"
                + "\"train simple-cnn b100\":{\"median\":4000,\"min\":3900,\"max\":4100,\"unit\":\"img/s\"}}}");
        Report.write(jmh, dir, torch, new Ceilings(10.0, 100.0, "test"));
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("| train simple-cnn b100 | 2000.0 img/s (2000.0-2000.0) |  |  | 4000.0 img/s (3900.0-4100.0) | 0.50 |"), md);
        assertTrue(md.contains("| train simple-cnn b100 bf16 | 4000.0 img/s (4000.0-4000.0) |  |  |  |  |"), md);
        assertTrue(md.contains("| inference simple-cnn bf16 | 10000.0 img/s (10000.0-10000.0) |"), md);
    }

    /** ConvBench's backward counts dW and dx (two forwards' work), or dW alone with dx=false. */
    @Test void convolutionBackwardCountsTheGradientsItComputes() throws Exception {
        // SimpleConvNet's layer at batch 100: 2 * 100 * 24*24 * 30 * 1*5*5 = 86.4 MFLOP a forward;
        // the ceiling is 100 GFLOP/s, so 8.64 ms for 86.4 MFLOP is 10% of it
        String json = "[" + String.join(",",
                run("ConvBench.forward", "\"backend\":\"cpu\",\"batch\":\"100\",\"dx\":\"true\",\"layer\":\"simple\"", 8.64, 8.64, 8.64),
                run("ConvBench.backward", "\"backend\":\"cpu\",\"batch\":\"100\",\"dx\":\"true\",\"layer\":\"simple\"", 17.28, 17.28, 17.28),
                run("ConvBench.backward", "\"backend\":\"cpu\",\"batch\":\"100\",\"dx\":\"false\",\"layer\":\"simple\"", 4.32, 4.32, 4.32),
                run("ConvBench.backward", "\"backend\":\"cpu\",\"batch\":\"100\",\"layer\":\"deep1\"", 2.258, 2.258, 2.258)) + "]";
        Path jmh = dir.resolve("jmh.json");
        Files.writeString(jmh, json);
        Report.write(jmh, dir, null, new Ceilings(10.0, 100.0, "test"));
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("| conv simple forward b100 | 8.640 ms (8.640-8.640) |  |  |  |  | 10% of fp32 GEMM ceiling |"), md);
        assertTrue(md.contains("| conv simple backward b100 | 17.280 ms (17.280-17.280) |  |  |  |  | 10% of fp32 GEMM ceiling |"), md);
        assertTrue(md.contains("| conv simple backward b100 no dx | 4.320 ms (4.320-4.320) |  |  |  |  | 20% of fp32 GEMM ceiling |"), md);
        // results from before the dx parameter: backward with dx (2 * 22.58 MFLOP in 2.258 ms)
        assertTrue(md.contains("| conv deep1 backward b100 | 2.258 ms (2.258-2.258) |  |  |  |  | 20% of fp32 GEMM ceiling |"), md);
    }
}
