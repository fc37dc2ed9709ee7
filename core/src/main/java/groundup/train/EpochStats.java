package groundup.train;

import com.google.gson.annotations.SerializedName;
import java.util.List;

/**
 * What one epoch did. Train loss and accuracy are running figures over the epoch's own
 * mini-batches (training mode, as they were trained on); test and validation figures come
 * from a full pass over those sets in inference mode (NaN when a run has no such set, null in
 * JSON: see {@link RunJson}; 0 in summaries written before validation existed). Seconds and
 * images per second cover the training pass alone, not the evaluation passes. In JSON the keys
 * are snake_case; files written before that, in camelCase, still read.
 */
public record EpochStats(int epoch,
                         @SerializedName(value = "train_loss", alternate = "trainLoss") double trainLoss,
                         @SerializedName(value = "train_accuracy", alternate = "trainAccuracy") double trainAccuracy,
                         @SerializedName(value = "test_loss", alternate = "testLoss") double testLoss,
                         @SerializedName(value = "test_accuracy", alternate = "testAccuracy") double testAccuracy,
                         double seconds,
                         @SerializedName(value = "images_per_second", alternate = "imagesPerSecond") double imagesPerSecond,
                         @SerializedName(value = "validation_loss", alternate = "validationLoss") double validationLoss,
                         @SerializedName(value = "validation_accuracy", alternate = "validationAccuracy") double validationAccuracy) {

    /**
     * What is wrong with a run's history, or null: entries numbered 1, 2, ... in order;
     * accuracies in [0, 1]; losses, seconds and speeds not negative (not-a-number: a figure
     * the run did not have).
     */
    public static String problem(List<EpochStats> history) {
        for (int i = 0; i < history.size(); i++) {
            EpochStats s = history.get(i);
            if (s == null) return "entry " + (i + 1) + " is null";
            if (s.epoch() != i + 1) return "entry " + (i + 1) + " is of epoch " + s.epoch();
            double[] acc = {s.trainAccuracy(), s.testAccuracy(), s.validationAccuracy()};
            for (double a : acc) if (a < 0 || a > 1 || Double.isInfinite(a)) return "epoch " + s.epoch() + " has an accuracy of " + a;
            double[] other = {s.trainLoss(), s.testLoss(), s.validationLoss(), s.seconds(), s.imagesPerSecond()};
            for (double o : other) if (o < 0 || Double.isInfinite(o)) return "epoch " + s.epoch() + " has a loss, time or speed of " + o;
        }
        return null;
    }
}
