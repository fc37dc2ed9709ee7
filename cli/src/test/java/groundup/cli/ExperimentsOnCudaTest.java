package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import groundup.backend.Backend;
import groundup.cpu.CpuBackend;
import groundup.cuda.CudaBackendProvider;
import groundup.data.Dataset;
import groundup.experiments.BackendSwitchExperiment;
import groundup.experiments.BackendVariants;
import groundup.experiments.GradCheckExperiment;
import groundup.nn.GradientCheck;
import groundup.experiments.OptimizerExperiment;
import groundup.experiments.Progress;
import groundup.experiments.WeightInitExperiment;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The experiments are backend code like training: the same classes on the CUDA backend give the
 * CPU's numbers within float32 tolerance. On the GPU where a driver is installed; else on the
 * host stand-in for the driver and cuBLAS that cuda-backend's tests build (in
 * ../cuda-backend/target/cuda-standin, so run after that module: `./mvnw -B verify` does);
 * skipped with the reason where neither is there. A JVM of its own (surefire execution
 * `cuda-device`), since the stand-in must be loaded before anything touches JCuda.
 */
@Tag("cuda-device")
class ExperimentsOnCudaTest {
    static Backend cpu, cuda;
    static String cannot;

    @BeforeEach void needsCuda() { assumeTrue(cannot == null, () -> cannot); }

    @BeforeAll static void backends() {
        cannot = CudaHere.cannotRun();
        if (cannot != null) {
            System.out.println("[ExperimentsOnCudaTest] skipping: " + cannot);
            return;
        }
        cuda = new CudaBackendProvider().create();
        cpu = new CpuBackend(2);
    }

    @AfterAll static void close() {
        if (cuda != null) cuda.close();
        if (cpu != null) cpu.close();
    }

    @Test void activationHistogramsAgree() {
        List<WeightInitExperiment.Activations> c = WeightInitExperiment.histograms(cpu, 3), g = WeightInitExperiment.histograms(cuda, 3);
        assertEquals(c.size(), g.size());
        for (int i = 0; i < c.size(); i++) {
            for (int l = 0; l < 5; l++) {
                WeightInitExperiment.Histogram hc = c.get(i).layers().get(l), hg = g.get(i).layers().get(l);
                String what = c.get(i).activation() + " " + c.get(i).init() + " layer " + (l + 1);
                assertEquals(hc.std(), hg.std(), 1e-3 * hc.std() + 1e-9, what + " std");
                assertEquals(hc.mean(), hg.mean(), 1e-3 * Math.abs(hc.mean()) + 1e-6, what + " mean");
            }
        }
    }

    @Test void gradientCheckPassesOnCuda() {
        Dataset data = Synthetic.make(200, 4);
        GradCheckExperiment.Results r = GradCheckExperiment.run(cuda, data, new GradCheckExperiment.Params("two-layer", false, 0f, 3, 20, GradientCheck.DEFAULT_STEP, 0), 1);
        assertTrue(r.passed(), GradCheckExperiment.table(r));
        GradCheckExperiment.Results cnn = GradCheckExperiment.run(cuda, data, new GradCheckExperiment.Params("simple-cnn", false, 0f, 2, 6, GradientCheck.DEFAULT_STEP, 5), 1);
        assertTrue(cnn.passed(), GradCheckExperiment.table(cnn));
    }

    @Test void optimizerCurvesAgree() {
        Dataset data = Synthetic.make(500, 5);
        var p = new OptimizerExperiment.Params(40, 32, List.of(50, 50), List.of("sgd", "adam"));
        OptimizerExperiment.Results c = OptimizerExperiment.run(cpu, data, p, 2, Progress.none());
        OptimizerExperiment.Results g = OptimizerExperiment.run(cuda, data, p, 2, Progress.none());
        for (String o : p.optimizers()) {
            double[] lc = c.of(o).loss(), lg = g.of(o).loss();
            // the same draws and initial weights: float32 rounding alone separates the curves
            for (int i = 0; i < 5; i++) assertEquals(lc[i], lg[i], 1e-4 * Math.abs(lc[i]) + 1e-5, o + " step " + (i + 1));
            assertEquals(c.of(o).finalLoss(), g.of(o).finalLoss(), 0.02 * c.of(o).finalLoss() + 1e-3, o + " final");
        }
    }

    /** The backend switch finds the CUDA backend among the providers and runs it beside the CPU paths; it agrees (20 steps of batch 10). */
    @Test void backendSwitchRunsTheCudaVariantAndItAgrees() {
        try (BackendVariants.Found found = BackendVariants.here()) {
            var p = new BackendSwitchExperiment.Params("simple-cnn", 100, 2, 10, "adam", 0.001f);
            BackendSwitchExperiment.Results r = BackendSwitchExperiment.run(found.variants(), found.skipped(), Synthetic.make(200, 6), p, 1,
                    Progress.none());
            BackendSwitchExperiment.Run g = r.of("cuda");
            assertTrue(g.backend().startsWith("cuda"), g.backend());
            assertTrue(g.verdict().agree(), g.verdict().why());
            assertTrue(g.drift()[p.steps() - 1] > 0, "another backend's rounding shows");
        }
    }
}
