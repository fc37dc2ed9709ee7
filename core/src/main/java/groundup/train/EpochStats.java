package groundup.train;

/**
 * What one epoch did. Train loss and accuracy are running figures over the epoch's own
 * mini-batches (training mode, as they were trained on); test figures come from a full pass
 * over the test set in inference mode. Seconds and images per second cover the training
 * pass alone, not the test pass.
 */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy,
                         double seconds, double imagesPerSecond) {}
