package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import groundup.backend.BackendProvider;
import groundup.cuda.CudaBackendProvider;
import groundup.experiments.BackendSwitchExperiment;
import groundup.experiments.BackendVariants;
import groundup.experiments.Progress;
import groundup.experiments.Record;
import groundup.testing.IdxFiles;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backend-switch experiment: every CPU convolution path agrees with the reference on the
 * synthetic bars; a backend with one gradient 1% off does not; the command prints its table and
 * says why CUDA was skipped. 20 steps of batch 20: the 10 tight steps and one window.
 */
class BackendSwitchTest {
    @TempDir Path dir;
    private static final BackendSwitchExperiment.Params SMALL = new BackendSwitchExperiment.Params("simple-cnn", 200, 2, 20, "adam", 0.001f);

    private static BackendSwitchExperiment.Results run(BackendVariants.Found found) {
        return BackendSwitchExperiment.run(found.variants(), found.skipped(), Synthetic.make(300, 4), SMALL, 1, Progress.none());
    }

    @Test void everyCpuConvolutionPathAgreesWithTheUnfusedReference() throws Exception {
        try (BackendVariants.Found found = BackendVariants.here()) {
            BackendSwitchExperiment.Results r = run(found);
            List<String> names = r.runs().stream().map(BackendSwitchExperiment.Run::variant).toList();
            for (String kind : List.of("auto", "dnnl", "gemm", "im2col")) {
                String v = "cpu " + kind;
                assertTrue(names.contains(v) || found.skipped().stream().anyMatch(s -> s.name().equals(v) && !s.reason().isBlank()),
                        v + " runs or is skipped with a reason: " + names + " " + found.skipped());
            }
            assertTrue(names.containsAll(List.of("reference", "control", "cpu auto", "cpu gemm", "cpu im2col")), names.toString());
            for (BackendSwitchExperiment.Run run : r.runs()) {
                assertTrue(run.verdict().agree(), run.variant() + ": " + run.verdict().why());
                assertEquals(SMALL.steps(), run.loss().length);
                assertTrue(run.medianStepMs() > 0 && run.epochSeconds().length == 2, run.variant() + " timed");
            }
            assertEquals(0, r.of("cpu im2col").drift()[SMALL.steps() - 1], "fused im2col: the reference's own arithmetic, bitwise");
            assertTrue(r.of("control").drift()[0] > 0, "the control's perturbation shows");

            Path json = dir.resolve("backends.json"), png = dir.resolve("backends.png");
            Record.of("backends", "-", "cpu", 1, SMALL, r).write(json);
            JsonObject results = JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonObject("results");
            JsonArray runs = results.getAsJsonArray("runs");
            assertEquals(names.size(), runs.size());
            assertEquals(SMALL.steps(), runs.get(2).getAsJsonObject().getAsJsonArray("drift").size());
            assertTrue(runs.get(2).getAsJsonObject().getAsJsonObject("verdict").get("agree").getAsBoolean());
            BackendSwitchExperiment.plot(r, SMALL, png);
            BufferedImage img = ImageIO.read(png.toFile());
            assertTrue(img != null && img.getWidth() >= 1000 && img.getHeight() >= 900, "two charts, one above the other");
        }
    }

    /** Any backend provider on the class path that loads is a variant: here the test-only "planted" one, affine weights' gradient 1% off. */
    @Test void aBackendWithOneGradientOnePercentOffDisagrees() {
        System.setProperty(PlantedBackendProvider.PROPERTY, "AFFINE_WEIGHTS");
        try (BackendVariants.Found found = BackendVariants.here()) {
            BackendSwitchExperiment.Results r = run(found);
            BackendSwitchExperiment.Run planted = r.of("planted");
            assertFalse(planted.verdict().agree(), planted.verdict().why());
            assertTrue(planted.verdict().why().startsWith("step "), "caught in the tight steps: " + planted.verdict().why());
            assertTrue(r.of("cpu gemm").verdict().agree(), r.of("cpu gemm").verdict().why());
            assertTrue(BackendSwitchCommand.table(r).contains("DISAGREE: step "), BackendSwitchCommand.table(r));
        } finally {
            System.clearProperty(PlantedBackendProvider.PROPERTY);
        }
    }

    /** A disagreement is the experiment's finding: exit 1 and one line naming the variant, after the table, the PNG and the JSON. */
    @Test void theCommandExitsOneNamingAVariantThatDisagrees() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data")), out = dir.resolve("out");
        IdxFiles.write(data, 200, 10, 3);
        System.setProperty(PlantedBackendProvider.PROPERTY, "AFFINE_WEIGHTS");
        try {
            CliTest.Run run = CliTest.run("experiment", "backends", "--images", "200", "--batch", "20", "--epochs", "1", "--data", data.toString(),
                    "--out", out.toString());
            assertEquals(1, run.code(), run.out() + run.err());
            assertTrue(run.err().contains("variants disagree with the reference: planted (step "), run.err());
            assertFalse(run.err().contains("cpu gemm"), "only the variants that disagree are named: " + run.err());
            assertTrue(Files.exists(out.resolve("backends.json")) && Files.exists(out.resolve("backends.png")), "the record is kept");
        } finally {
            System.clearProperty(PlantedBackendProvider.PROPERTY);
        }
    }

    @Test void theCommandPrintsItsTableSaysWhyCudaWasSkippedAndWritesPngAndJson() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data")), out = dir.resolve("out");
        IdxFiles.write(data, 200, 10, 3);
        CliTest.Run run = CliTest.run("experiment", "backends", "--images", "200", "--batch", "20", "--epochs", "1", "--data", data.toString(),
                "--out", out.toString());
        assertEquals(0, run.code(), run.out() + run.err());
        BackendProvider.Availability cuda = new CudaBackendProvider().availability();
        if (!cuda.available()) assertTrue(run.out().contains("cuda skipped: " + cuda.reason()), run.out());
        assertTrue(run.out().contains("cpu gemm ") && run.out().contains("agree"), run.out());
        JsonObject record = JsonParser.parseString(Files.readString(out.resolve("backends.json"))).getAsJsonObject();
        assertEquals(10, record.getAsJsonObject("results").getAsJsonArray("runs").get(0).getAsJsonObject().getAsJsonArray("loss").size());
        assertTrue(ImageIO.read(out.resolve("backends.png").toFile()) != null);
    }

    @Test void flagsThatCannotApplyAreOneLineEach() {
        for (String[] a : new String[][] {{"--backend", "cpu"}, {"--images", "10"}, {"--net", "resnet"}, {"--optimizer", "lion"}}) {
            CliTest.Run run = CliTest.run("experiment", "backends", a[0], a[1], "--out", dir.resolve("never").toString());
            assertEquals(2, run.code(), String.join(" ", a) + ": " + run.out() + run.err());
            assertTrue(run.err().strip().lines().count() == 1 && run.err().contains(a[0]), run.err());
        }
        assertFalse(Files.exists(dir.resolve("never")));
    }
}
