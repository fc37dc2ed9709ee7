package groundup.train;

import com.google.gson.annotations.SerializedName;

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
                         @SerializedName(value = "validation_accuracy", alternate = "validationAccuracy") double validationAccuracy) {}
