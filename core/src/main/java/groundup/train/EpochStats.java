package groundup.train;

/**
 * What one epoch did. Train loss and accuracy are running figures over the epoch's own
 * mini-batches (training mode, as they were trained on); test and validation figures come
 * from a full pass over those sets in inference mode (NaN when a run has no such set; 0 in
 * summaries written before validation existed). Seconds and images per second cover the
 * training pass alone, not the evaluation passes.
 */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy,
                         double seconds, double imagesPerSecond, double validationLoss, double validationAccuracy) {}
