package groundup.examples;

import groundup.backend.Backend;
import groundup.backend.Backends;
import groundup.backend.UpdateRule;
import groundup.data.KnownDataset;
import groundup.data.Mnist;
import groundup.io.Checkpoint;
import groundup.nn.Sequential;
import groundup.optim.Optimizer;
import groundup.train.EpochStats;
import groundup.train.Evaluator;
import groundup.train.RunConfig;
import groundup.train.Trainer;
import groundup.train.TrainingRun;
import java.nio.file.Path;
import java.util.List;

/**
 * GroundUp as a library: the book's SimpleConvNet trained with the same run as the command
 * line, then a network of one's own trained, saved, loaded and scored.
 * Arguments (all optional): DATA_DIR OUT_DIR EPOCHS TRAIN_LIMIT.
 */
public final class QuickStart {
    public static void main(String[] args) throws Exception {
        Path data = args.length > 0 ? Path.of(args[0]) : KnownDataset.MNIST.defaultDirectory();
        Path out = args.length > 1 ? Path.of(args[1]) : Path.of("runs", "quickstart");
        int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Integer trainLimit = args.length > 3 ? Integer.valueOf(args[3]) : null;

        // 1. The data: a folder of the four IDX files, read as they are (`groundup fetch-mnist` puts MNIST in the default one)
        Mnist.Split mnist = Mnist.load(data);

        // 2. A backend: -Dgroundup.backend=cpu|cuda|auto picks it (auto: CUDA where it can load, else the CPU)
        try (Backend backend = Backends.create()) {
            System.out.println("backend: " + backend.describe());

            // 3. The book's SimpleConvNet with the book's settings, as `groundup train` runs it:
            //    a checkpoint, best.safetensors and summary.json in `out` after every epoch; the run records
            //    the files it trains on (SHA-256), and `true` replaces what an earlier start left there
            RunConfig config = RunConfig.book("simple-cnn").withEpochs(epochs).withImages(trainLimit, 1000, 500);
            TrainingRun.Data split = TrainingRun.Data.of(config, mnist);
            try (TrainingRun run = TrainingRun.start(backend, config, split, out.resolve("simple-cnn"), true)) {
                List<EpochStats> history = run.run(new TrainingRun.Listener() {
                    @Override public void epoch(EpochStats s) {
                        System.out.printf("simple-cnn epoch %d: train loss %.4f, test accuracy %.2f%%%n", s.epoch(), s.trainLoss(), 100 * s.testAccuracy());
                    }
                });
                System.out.printf("simple-cnn: %.2f%% after %d epochs%n", 100 * history.get(history.size() - 1).testAccuracy(), history.size());
            }

            // 4. A network of one's own, from the same layers, trained epoch by epoch
            Path mine = out.resolve("mine.safetensors");
            try (Sequential net = Sequential.builder(backend, Mnist.SAMPLE, 42).convReluPool(8, 3, 1, 1, 2, 2).affine(64).relu()
                         .affine(10).softmaxWithLoss();
                 Optimizer opt = new Optimizer(backend, UpdateRule.Kind.ADAM, 0.001f, 0f);
                 Trainer trainer = new Trainer(net, opt, split.train(), split.test(), 100, 42, null)) {
                for (int e = 1; e <= epochs; e++) {
                    System.out.printf("mine epoch %d: test accuracy %.2f%%%n", e, 100 * trainer.epoch(e).testAccuracy());
                }
                Checkpoint.save(mine, net, opt, java.util.Map.of());          // written atomically: a crash leaves the old one
            }

            // 5. Loaded into a fresh network of the same shape (another shape is refused), and scored
            try (Sequential again = Sequential.builder(backend, Mnist.SAMPLE, 0).convReluPool(8, 3, 1, 1, 2, 2).affine(64).relu()
                         .affine(10).softmaxWithLoss()) {
                Checkpoint.load(mine, again, null);
                try (Evaluator eval = new Evaluator(again, split.test(), 500)) {
                    Evaluator.Score s = eval.run();
                    System.out.printf("mine, loaded from %s: test accuracy %.2f%%, loss %.4f%n", mine, 100 * s.accuracy(), s.loss());
                }
            }
        }
    }
}
