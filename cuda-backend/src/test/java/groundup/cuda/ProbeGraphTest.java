package groundup.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import groundup.backend.Backend;
import groundup.backend.UpdateRule;
import groundup.data.Dataset;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Parameter;
import groundup.nn.Sequential;
import groundup.optim.LrSchedule;
import groundup.optim.Optimizer;
import groundup.tensor.Shape;
import groundup.train.EpochStats;
import groundup.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProbeGraphTest {
    private Backend b;
    @BeforeAll void open() { b = Gpu.backendOrSkip(); }
    @AfterAll void shut() { if (b != null) b.close(); System.clearProperty(Trainer.GRAPHS); }

    private static Dataset synthetic(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 784];
        int[] y = new int[n];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
        for (int i = 0; i < n; i++) y[i] = r.nextInt(10);
        return new Dataset("synthetic", x, y, Shape.of(1, 28, 28));
    }

    private List<float[]> train(NetworkSpec spec, Dataset train, Dataset val, Dataset test, int batch, int epochs, boolean graphs, int readEvery, List<EpochStats> stats) {
        System.setProperty(Trainer.GRAPHS, Boolean.toString(graphs));
        long spe = (train.count() + batch - 1) / batch;
        try (Sequential net = Networks.create(spec, b, 1);
             Optimizer opt = new Optimizer(b, UpdateRule.Kind.ADAM, 0.01f, 1e-4f, LrSchedule.COSINE, epochs * spe);
             Trainer t = new Trainer(net, opt, train, val, test, batch, 3, null).readEvery(readEvery)) {
            for (int e = 1; e <= epochs; e++) stats.add(t.epoch(e));
            List<float[]> params = new ArrayList<>();
            for (Parameter p : net.parameters()) params.add(p.value().toArray());
            return params;
        }
    }

    void same(NetworkSpec spec, Dataset tr, Dataset val, Dataset te, int batch, int epochs, int readEvery) {
        List<EpochStats> se = new ArrayList<>(), sg = new ArrayList<>();
        List<float[]> e = train(spec, tr, val, te, batch, epochs, false, readEvery, se), g = train(spec, tr, val, te, batch, epochs, true, readEvery, sg);
        for (int i = 0; i < e.size(); i++) assertArrayEquals(e.get(i), g.get(i), spec.net() + " param " + i);
        for (int i = 0; i < se.size(); i++) {
            assertEquals(se.get(i).trainLoss(), sg.get(i).trainLoss());
            assertEquals(se.get(i).testLoss(), sg.get(i).testLoss());
            assertEquals(se.get(i).validationLoss(), sg.get(i).validationLoss());
            System.out.println("[probe] " + spec.net() + " " + se.get(i));
        }
    }

    @Test void tailsEverywhere() {
        for (NetworkSpec spec : new NetworkSpec[] {NetworkSpec.of("simple-cnn"), new NetworkSpec("mlp", List.of(40, 30), true, 0.3f)}) {
            same(spec, synthetic(10 * 20 + 7, 1), synthetic(13, 4), synthetic(27, 5), 20, 3, 3);
            same(spec, synthetic(10 * 20, 1), synthetic(13, 4), synthetic(27, 5), 20, 3, 1);
            same(spec, synthetic(15, 1), synthetic(13, 4), synthetic(27, 5), 20, 2, 1);
            same(spec, synthetic(45, 1), null, synthetic(50, 5), 20, 2, 2);
        }
    }
    @Test void deep() {
        same(NetworkSpec.of("deep-cnn"), synthetic(3 * 8 + 3, 1), synthetic(5, 4), synthetic(11, 5), 8, 2, 2);
    }
}
