package groundup.cli;

import groundup.backend.Backend;
import groundup.files.AtomicFiles;
import groundup.train.EpochStats;
import groundup.train.RunConfig;
import groundup.train.TrainingRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** What train shows of a run: the progress bar, then after each epoch the learning curve and the --summary copy. */
final class TrainPrinter implements TrainingRun.Listener {
    private final ProgressBar bar;
    private final String title;
    private final Path curve, summaryCopy;
    private boolean curveWarned, curveWritten;

    TrainPrinter(Backend b, RunConfig c, Path curve, Path summaryCopy) {
        this.bar = new ProgressBar(System.err, c.epochs());
        this.title = c.network().net() + " on " + c.dataset().id + ", " + b.name() + ": " + c.describe();
        this.curve = curve;
        this.summaryCopy = summaryCopy;
    }

    /** True once a learning curve was drawn: the command names only files it wrote. */
    boolean curveWritten() { return curveWritten; }

    @Override public void step(int epoch, int done, int total, double loss, double accuracy, double imagesPerSecond) {
        bar.step(epoch, done, total, loss, accuracy, imagesPerSecond);
    }

    @Override public void epoch(EpochStats stats) { bar.epoch(stats); }

    @Override public void epochDone(TrainingRun run) {
        try {
            if (summaryCopy != null) AtomicFiles.writeString(summaryCopy, run.summaryJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);     // "writing FILE: cause"
        }
        try {      // a plot is never worth a run: train on, say so once
            LearningCurve.write(curve, title, run.history());
            curveWritten = true;
        } catch (LinkageError | RuntimeException | IOException e) {
            if (!curveWarned) {
                System.err.println("groundup train: warning: no learning curve: " + (e instanceof LinkageError
                        ? "drawing needs the java.desktop module, which this Java lacks (" + e + ")" : "drawing it failed (" + e + ")"));
            }
            curveWarned = true;
        }
    }
}
