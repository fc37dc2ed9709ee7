package groundup.train;

import groundup.backend.Precision;
import groundup.backend.UpdateRule;
import groundup.data.KnownDataset;
import groundup.errors.InvalidSettingException;
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
 * @param precision  of the network's matrix products ({@link Precision}); weights, optimizer state and checkpoints stay float32
 */
public record RunConfig(KnownDataset dataset, NetworkSpec network, UpdateRule.Kind optimizer, float lr, LrSchedule lrSchedule, float weightDecay,
                        int batch, int epochs, long seed, Integer trainLimit, Integer testLimit, int validation, Precision precision) {

    /** The keys, as files hold them. */
    public static final String DATASET = "dataset", OPTIMIZER = "optimizer", LR = "lr", LR_SCHEDULE = "lr_schedule", WEIGHT_DECAY = "weight_decay",
            BATCH = "batch", EPOCHS = "epochs", SEED = "seed", TRAIN_LIMIT = "train_limit", TEST_LIMIT = "test_limit",
            VALIDATION = "validation", PRECISION = "precision";

    /** Every value checked: an {@link InvalidSettingException} names the setting by its key ("batch 0: must be positive"). */
    public RunConfig {
        if (dataset == null) throw new InvalidSettingException(DATASET, "dataset: required");
        if (network == null) throw new InvalidSettingException("net", "network: required");
        if (optimizer == null) throw new InvalidSettingException(OPTIMIZER, "optimizer: required");
        if (lrSchedule == null) throw new InvalidSettingException(LR_SCHEDULE, "lr_schedule: required");
        if (!(lr > 0) || Float.isInfinite(lr)) throw new InvalidSettingException(LR, "lr " + lr + ": must be a positive number");
        if (!(weightDecay >= 0) || Float.isInfinite(weightDecay)) {
            throw new InvalidSettingException(WEIGHT_DECAY, "weight_decay " + weightDecay + ": must be zero or a positive number");
        }
        if (batch <= 0) throw new InvalidSettingException(BATCH, "batch " + batch + ": must be positive");
        if (epochs <= 0) throw new InvalidSettingException(EPOCHS, "epochs " + epochs + ": must be positive");
        if (trainLimit != null && trainLimit <= 0) throw new InvalidSettingException(TRAIN_LIMIT, "train_limit " + trainLimit + ": must be positive");
        if (testLimit != null && testLimit <= 0) throw new InvalidSettingException(TEST_LIMIT, "test_limit " + testLimit + ": must be positive");
        if (validation < 0) throw new InvalidSettingException(VALIDATION, "validation " + validation + ": must be zero or positive");
        if (precision == null) throw new InvalidSettingException(PRECISION, "precision: required");
    }

    /** A run in FP32. */
    public RunConfig(KnownDataset dataset, NetworkSpec network, UpdateRule.Kind optimizer, float lr, LrSchedule lrSchedule, float weightDecay,
                     int batch, int epochs, long seed, Integer trainLimit, Integer testLimit, int validation) {
        this(dataset, network, optimizer, lr, lrSchedule, weightDecay, batch, epochs, seed, trainLimit, testLimit, validation, Precision.FP32);
    }

    /**
     * The learning rate a run gets when none is given: the book's for the optimizer ({@link
     * UpdateRule.Kind#defaultLr}: Adam 0.001, the others 0.01, from its chapter 6 comparison on an
     * MLP), except RMSprop on the convolutional networks, 0.001. At 0.01 their loss jumps to about
     * 90 (simple-cnn) and 12,000 (deep-cnn) at the second step and they stay at chance for epochs
     * (measured 2026-12-06, with and without the divergence check, which stops them); at 0.001
     * one epoch reaches 97.35% and 97.80%.
     */
    public static float defaultLr(UpdateRule.Kind kind, NetworkSpec network) {
        return kind == UpdateRule.Kind.RMSPROP && network.convolutional() ? 0.001f : kind.defaultLr;
    }

    /** The book's settings for a network: Adam at its default rate, batch 100, 20 epochs, seed 1, all images. */
    public static RunConfig book(String net) {
        return new RunConfig(KnownDataset.MNIST, NetworkSpec.of(net), UpdateRule.Kind.ADAM, UpdateRule.Kind.ADAM.defaultLr, LrSchedule.CONSTANT, 0f, 100, 20, 1L,
                null, null, 0);
    }

    public RunConfig withEpochs(int n) {
        return new RunConfig(dataset, network, optimizer, lr, lrSchedule, weightDecay, batch, n, seed, trainLimit, testLimit, validation, precision);
    }

    /** This config with the network's products in {@code p}. */
    public RunConfig withPrecision(Precision p) {
        return new RunConfig(dataset, network, optimizer, lr, lrSchedule, weightDecay, batch, epochs, seed, trainLimit, testLimit, validation, p);
    }

    /** This config on the first trainLimit and testLimit images (null: all), the last {@code validation} training images held out. */
    public RunConfig withImages(Integer trainLimit, Integer testLimit, int validation) {
        return new RunConfig(dataset, network, optimizer, lr, lrSchedule, weightDecay, batch, epochs, seed, trainLimit, testLimit, validation, precision);
    }

    /** One line for logs and chart titles: "adam lr 0.001 (cosine) weight decay 1.0E-4, batch 100". */
    public String describe() {
        return optimizer.name().toLowerCase(Locale.ROOT) + " lr " + lr + (lrSchedule == LrSchedule.CONSTANT ? "" : " (" + lrSchedule.id() + ")")
                + (weightDecay > 0 ? " weight decay " + weightDecay : "") + ", batch " + batch
                + (precision == Precision.FP32 ? "" : ", " + precision);
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
        m.put(PRECISION, precision.id);
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
        m.put(PRECISION, precision.id);
        return m;
    }

    /**
     * Reads {@link #settings} back. Older files spelled some keys otherwise, and are read as they
     * were meant: checkpoints kept the total as "schedule_epochs" (before that: the book's 20)
     * and the seed outside (pass it as {@code seed}); summaries said "train_images",
     * "test_images" and "validation_images"; runs before schedules were constant, and before data
     * sets other than MNIST were on MNIST, and before precisions in fp32. A value that
     * is "all" or missing means no limit. Throws an InvalidSettingException naming a bad value.
     */
    public static RunConfig fromSettings(NetworkSpec network, Map<String, String> s, Long seed) {
        Map<String, String> m = new LinkedHashMap<>(s);
        alias(m, "schedule_epochs", EPOCHS);
        alias(m, "train_images", TRAIN_LIMIT);
        alias(m, "test_images", TEST_LIMIT);
        alias(m, "validation_images", VALIDATION);
        return new RunConfig(parsed(m, DATASET, "mnist", KnownDataset::parse), network, parsed(m, OPTIMIZER, null, UpdateRule.Kind::parse),
                parsed(m, LR, null, Float::parseFloat), parsed(m, LR_SCHEDULE, "constant", LrSchedule::parse),
                parsed(m, WEIGHT_DECAY, "0", Float::parseFloat), parsed(m, BATCH, null, Integer::parseInt), parsed(m, EPOCHS, "20", Integer::parseInt),
                seed != null ? seed : parsed(m, SEED, null, Long::parseLong), limit(m, TRAIN_LIMIT), limit(m, TEST_LIMIT),
                parsed(m, VALIDATION, "0", Integer::parseInt), parsed(m, PRECISION, "fp32", Precision::parse));
    }

    /** m's value for key (dflt when absent; a key without a default is required), parsed; an InvalidSettingException names a bad one. */
    private static <T> T parsed(Map<String, String> m, String key, String dflt, java.util.function.Function<String, T> parse) {
        String v = m.getOrDefault(key, dflt);
        if (v == null) throw new InvalidSettingException(key, key + ": missing among the settings " + m.keySet());
        try {
            return parse.apply(v.trim());
        } catch (NumberFormatException e) {
            throw new InvalidSettingException(key, key + " '" + v + "': not a number", e);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(key, key + " '" + v + "': " + e.getMessage(), e);
        }
    }

    private static void alias(Map<String, String> m, String old, String key) {
        String v = m.remove(old);
        if (v != null) m.putIfAbsent(key, v);
    }

    private static Integer limit(Map<String, String> m, String key) {
        String v = m.get(key);
        return v == null || v.equals("all") || v.equals("null") ? null : parsed(m, key, null, Integer::valueOf);
    }
}
