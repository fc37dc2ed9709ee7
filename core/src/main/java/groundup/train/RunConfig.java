package groundup.train;

import groundup.backend.UpdateRule;
import groundup.data.KnownDataset;
import groundup.nn.NetworkSpec;
import groundup.optim.LrSchedule;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Everything that defines a training run, and the one set of keys it is written and read with:
 * in a checkpoint's metadata, in summary.json's "hyperparameters", and in what {@code compare}
 * groups runs by ({@link #settings}). Readers also accept the spellings of older files
 * ({@link #fromSettings}).
 *
 * @param dataset    what the network learns (the checkpoint records it: eval and predict check it)
 * @param trainLimit train on the first N training images only (null: all)
 * @param testLimit  test on the first N test images only (null: all)
 * @param validation hold out the last N of the training images for validation (0: none)
 * @param epochs     the run's total: a cosine schedule spreads over it
 */
public record RunConfig(KnownDataset dataset, NetworkSpec network, UpdateRule.Kind optimizer, float lr, LrSchedule lrSchedule, float weightDecay,
                        int batch, int epochs, long seed, Integer trainLimit, Integer testLimit, int validation) {

    /** The keys, as files hold them. */
    public static final String DATASET = "dataset", OPTIMIZER = "optimizer", LR = "lr", LR_SCHEDULE = "lr_schedule", WEIGHT_DECAY = "weight_decay",
            BATCH = "batch", EPOCHS = "epochs", SEED = "seed", TRAIN_LIMIT = "train_limit", TEST_LIMIT = "test_limit",
            VALIDATION = "validation";

    public RunConfig {
        if (dataset == null || network == null || optimizer == null || lrSchedule == null) {
            throw new IllegalArgumentException("dataset, network, optimizer and schedule are required");
        }
        if (!(lr > 0) || Float.isInfinite(lr)) throw new IllegalArgumentException("learning rate " + lr + " must be positive");
        if (!(weightDecay >= 0) || Float.isInfinite(weightDecay)) throw new IllegalArgumentException("weight decay " + weightDecay + " must be zero or positive");
        if (batch <= 0) throw new IllegalArgumentException("batch " + batch + " must be positive");
        if (epochs <= 0) throw new IllegalArgumentException("epochs " + epochs + " must be positive");
        if (trainLimit != null && trainLimit <= 0) throw new IllegalArgumentException("train limit " + trainLimit + " must be positive");
        if (testLimit != null && testLimit <= 0) throw new IllegalArgumentException("test limit " + testLimit + " must be positive");
        if (validation < 0) throw new IllegalArgumentException("validation " + validation + " must be zero or positive");
    }

    /** The book's settings for a network: Adam at its default rate, batch 100, 20 epochs, seed 1, all images. */
    public static RunConfig book(String net) {
        return new RunConfig(KnownDataset.MNIST, NetworkSpec.of(net), UpdateRule.Kind.ADAM, UpdateRule.Kind.ADAM.defaultLr, LrSchedule.CONSTANT, 0f, 100, 20, 1L,
                null, null, 0);
    }

    public RunConfig withEpochs(int n) {
        return new RunConfig(dataset, network, optimizer, lr, lrSchedule, weightDecay, batch, n, seed, trainLimit, testLimit, validation);
    }

    /** This config on the first trainLimit and testLimit images (null: all), the last {@code validation} training images held out. */
    public RunConfig withImages(Integer trainLimit, Integer testLimit, int validation) {
        return new RunConfig(dataset, network, optimizer, lr, lrSchedule, weightDecay, batch, epochs, seed, trainLimit, testLimit, validation);
    }

    /** One line for logs and chart titles: "adam lr 0.001 (cosine) weight decay 1.0E-4, batch 100". */
    public String describe() {
        return optimizer.name().toLowerCase(Locale.ROOT) + " lr " + lr + (lrSchedule == LrSchedule.CONSTANT ? "" : " (" + lrSchedule.id() + ")")
                + (weightDecay > 0 ? " weight decay " + weightDecay : "") + ", batch " + batch;
    }

    /** The settings as strings under the keys above (limits absent when all images are used); the network is kept apart. */
    public Map<String, String> settings() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(DATASET, dataset.id);
        m.put(OPTIMIZER, optimizer.name().toLowerCase(Locale.ROOT));
        m.put(LR, Float.toString(lr));
        m.put(LR_SCHEDULE, lrSchedule.id());
        m.put(WEIGHT_DECAY, Float.toString(weightDecay));
        m.put(BATCH, Integer.toString(batch));
        m.put(EPOCHS, Integer.toString(epochs));
        m.put(SEED, Long.toString(seed));
        if (trainLimit != null) m.put(TRAIN_LIMIT, Integer.toString(trainLimit));
        if (testLimit != null) m.put(TEST_LIMIT, Integer.toString(testLimit));
        m.put(VALIDATION, Integer.toString(validation));
        return m;
    }

    /** The settings with numbers as numbers and the limits as null when all images are used: summary.json's "hyperparameters". */
    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(DATASET, dataset.id);
        m.put(OPTIMIZER, optimizer.name().toLowerCase(Locale.ROOT));
        m.put(LR, lr);
        m.put(LR_SCHEDULE, lrSchedule.id());
        m.put(WEIGHT_DECAY, weightDecay);
        m.put(BATCH, batch);
        m.put(EPOCHS, epochs);
        m.put(SEED, seed);
        m.put(TRAIN_LIMIT, trainLimit);
        m.put(TEST_LIMIT, testLimit);
        m.put(VALIDATION, validation);
        return m;
    }

    /**
     * Reads {@link #settings} back. Older files spelled some keys otherwise, and are read as they
     * were meant: checkpoints kept the total as "schedule_epochs" (before that: the book's 20)
     * and the seed outside (pass it as {@code seed}); summaries said "train_images",
     * "test_images" and "validation_images"; runs before schedules were constant, and before data
     * sets other than MNIST were on MNIST. A value that
     * is "all" or missing means no limit. Throws IllegalArgumentException naming a bad value.
     */
    public static RunConfig fromSettings(NetworkSpec network, Map<String, String> s, Long seed) {
        Map<String, String> m = new LinkedHashMap<>(s);
        alias(m, "schedule_epochs", EPOCHS);
        alias(m, "train_images", TRAIN_LIMIT);
        alias(m, "test_images", TEST_LIMIT);
        alias(m, "validation_images", VALIDATION);
        try {
            return new RunConfig(KnownDataset.parse(m.getOrDefault(DATASET, "mnist")), network, UpdateRule.Kind.parse(need(m, OPTIMIZER)), Float.parseFloat(need(m, LR)),
                    LrSchedule.parse(m.getOrDefault(LR_SCHEDULE, "constant")), Float.parseFloat(m.getOrDefault(WEIGHT_DECAY, "0")),
                    Integer.parseInt(need(m, BATCH)), Integer.parseInt(m.getOrDefault(EPOCHS, "20")),
                    seed != null ? seed : Long.parseLong(need(m, SEED)), limit(m.get(TRAIN_LIMIT)), limit(m.get(TEST_LIMIT)),
                    Integer.parseInt(m.getOrDefault(VALIDATION, "0")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a setting is not a number: " + e.getMessage() + " in " + s, e);
        }
    }

    private static void alias(Map<String, String> m, String old, String key) {
        String v = m.remove(old);
        if (v != null) m.putIfAbsent(key, v);
    }

    private static String need(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) throw new IllegalArgumentException("no '" + key + "' among the settings " + m.keySet());
        return v;
    }

    private static Integer limit(String v) { return v == null || v.equals("all") || v.equals("null") ? null : Integer.valueOf(v); }
}
