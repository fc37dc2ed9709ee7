package groundup.cli;

import groundup.train.EpochStats;
import groundup.train.Trainer;
import java.io.PrintStream;

/**
 * A live line per epoch on stderr: bar, images, loss, accuracy, images/s, ETA. On a terminal
 * it redraws in place a few times a second; in a log (CI) it prints a line per 25% instead.
 * Ours rather than me.tongfei:progressbar: that one brings JLine for its terminal handling and
 * shows a count, where a training log wants loss and accuracy on the line, and few lines.
 */
final class ProgressBar implements Trainer.Listener {
    private final PrintStream out;
    private final int epochs;
    private final boolean tty;
    private long lastDraw;
    private int lastQuarter;

    ProgressBar(PrintStream out, int epochs) {
        this.out = out;
        this.epochs = epochs;
        this.tty = System.console() != null && System.getenv("CI") == null;
    }

    @Override public void step(int epoch, int done, int total, double loss, double acc, double ips) {
        long now = System.nanoTime();
        int quarter = (int) (4L * done / total);
        boolean last = done == total;
        if (tty ? now - lastDraw < 200_000_000L && !last : quarter == lastQuarter || last) return;
        lastDraw = now;
        lastQuarter = quarter;
        int width = 30, fill = (int) ((long) width * done / total);
        String bar = "=".repeat(fill) + (fill < width ? ">" : "") + " ".repeat(Math.max(0, width - fill - 1));
        double eta = ips > 0 ? (total - done) / ips : 0;
        String line = String.format("epoch %d/%d [%s] %d/%d  loss %.4f  acc %.2f%%  %.0f img/s  ETA %s",
                epoch, epochs, bar, done, total, loss, 100 * acc, ips, time(eta));
        if (tty) out.print("\r" + line + "\u001b[K");
        else out.println(line);
        out.flush();
    }

    @Override public void epoch(EpochStats s) {
        if (tty) out.print("\r\u001b[K");
        String val = Double.isNaN(s.validationAccuracy()) ? ""
                : String.format("  val loss %.4f acc %.2f%%", s.validationLoss(), 100 * s.validationAccuracy());
        out.printf("epoch %d/%d  train loss %.4f acc %.2f%%%s  test loss %.4f acc %.2f%%  %.1f s  %.0f img/s%n",
                s.epoch(), epochs, s.trainLoss(), 100 * s.trainAccuracy(), val, s.testLoss(), 100 * s.testAccuracy(),
                s.seconds(), s.imagesPerSecond());
        out.flush();
        lastQuarter = 0;
    }

    static String time(double secs) {
        long s = Math.round(secs);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
    }
}
