package groundup.train;

import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import groundup.data.DataFiles;
import groundup.data.KnownDataset;
import groundup.errors.InvalidFileException;
import groundup.io.Checkpoint;
import groundup.nn.NetworkSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run's checkpoint holds besides its tensors, and the one place its fields are written
 * and read: every field read is checked, and a bad one is an InvalidFileException naming the
 * file and the field ("runs/x/checkpoint.safetensors: metadata groundup.epoch is 'abc', not an
 * epoch number").
 *
 * @param config  the run's settings (network included)
 * @param epoch   epochs finished
 * @param history one entry per finished epoch, numbered 1..epoch
 * @param data    the files the run trained on, or null (sets made in memory; runs from before files were recorded)
 */
record RunMetadata(RunConfig config, int epoch, List<EpochStats> history, DataFiles data) {
    static final String EPOCH = "groundup.epoch", HYPER = "groundup.hyper", HISTORY = "groundup.history", DATA = "groundup.data",
            OLD_SEED = "groundup.seed", VALIDATION_ACCURACY = "groundup.validation_accuracy", TEST_ACCURACY = "groundup.test_accuracy";

    /** The metadata of a run's checkpoint. */
    Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(EPOCH, Integer.toString(epoch));
        m.put(HYPER, RunJson.COMPACT.toJson(config.settings()));
        m.put(HISTORY, RunJson.COMPACT.toJson(history));
        if (data != null) m.put(DATA, data.toJson().toString());
        return m;
    }

    /** The metadata of best.safetensors: the epoch, the settings and its two accuracies. */
    static Map<String, String> best(RunConfig config, EpochStats stats) {
        return Map.of(EPOCH, Integer.toString(stats.epoch()), HYPER, RunJson.COMPACT.toJson(config.settings()),
                VALIDATION_ACCURACY, Double.toString(stats.validationAccuracy()), TEST_ACCURACY, Double.toString(stats.testAccuracy()));
    }

    /** Reads and checks every field of a run's checkpoint. */
    static RunMetadata read(Checkpoint.Header h) throws InvalidFileException {
        Map<String, String> m = h.metadata();
        for (String k : new String[] {HYPER, EPOCH}) {
            if (!m.containsKey(k)) throw new InvalidFileException(h.file(), "has no metadata " + k + ": not a run's checkpoint, nothing to resume");
        }
        RunConfig config = config(h);
        int epoch = epoch(h);
        if (epoch > config.epochs()) throw bad(h, EPOCH, m.get(EPOCH), "more than the run's " + config.epochs() + " epochs");
        List<EpochStats> history = history(h, epoch);
        DataFiles data = m.containsKey(DATA) ? DataFiles.fromJson(m.get(DATA), h.file(), "metadata " + DATA) : null;
        if (data != null && !data.dataset().equals(config.dataset().id)) {
            throw bad(h, DATA, data.dataset(), "a data set other than the run's " + config.dataset().id);
        }
        return new RunMetadata(config, epoch, history, data);
    }

    /** The run's settings: {@link RunConfig#fromSettings} of groundup.hyper and the network. */
    static RunConfig config(Checkpoint.Header h) throws InvalidFileException {
        NetworkSpec spec = network(h);
        Map<String, String> s = settings(h);
        String seed = h.metadata().get(OLD_SEED);
        try {
            return RunConfig.fromSettings(spec, s, seed == null ? null : Long.valueOf(seed));
        } catch (NumberFormatException e) {
            throw bad(h, OLD_SEED, seed, "not a seed (a whole number)");
        } catch (IllegalArgumentException e) {
            throw new InvalidFileException(h.file(), "metadata " + HYPER + ": " + e.getMessage());
        }
    }

    /** The network a checkpoint describes. */
    static NetworkSpec network(Checkpoint.Header h) throws InvalidFileException {
        String d = h.network();
        if (d == null) throw new InvalidFileException(h.file(), "has no metadata " + Checkpoint.NETWORK + " (not a GroundUp checkpoint?)");
        try {
            return NetworkSpec.fromJson(d);
        } catch (IllegalArgumentException e) {
            throw bad(h, Checkpoint.NETWORK, d, "a network this version cannot build (" + InvalidFileException.why(e) + ")");
        }
    }

    /** groundup.hyper as a map of strings, or an empty map when the file has none. */
    static Map<String, String> settings(Checkpoint.Header h) throws InvalidFileException {
        String hyper = h.metadata().get(HYPER);
        if (hyper == null) return Map.of();
        try {
            Map<String, String> s = RunJson.COMPACT.fromJson(hyper, new TypeToken<Map<String, String>>() { }.getType());
            if (s == null) throw new JsonParseException("empty");
            if (s.containsKey(null) || s.containsValue(null)) throw new JsonParseException("a null key or value");
            return s;
        } catch (RuntimeException e) {
            throw bad(h, HYPER, hyper, "not an object of settings (" + InvalidFileException.why(e) + ")");
        }
    }

    /** The data set a checkpoint was trained on (MNIST for files from before data sets had names). */
    static KnownDataset dataset(Checkpoint.Header h) throws InvalidFileException {
        String d = settings(h).getOrDefault(RunConfig.DATASET, "mnist");
        try {
            return KnownDataset.parse(d);
        } catch (IllegalArgumentException e) {
            throw bad(h, HYPER + " dataset", d, e.getMessage());
        }
    }

    /** The seed a checkpoint's run was started with, or null if the file does not say. */
    static Long seed(Checkpoint.Header h) throws InvalidFileException {
        String old = h.metadata().get(OLD_SEED), seed = old != null ? old : settings(h).get(RunConfig.SEED);
        if (seed == null) return null;
        try {
            return Long.valueOf(seed);
        } catch (NumberFormatException e) {
            throw bad(h, old != null ? OLD_SEED : HYPER, seed, "not a seed (a whole number)");
        }
    }

    private static int epoch(Checkpoint.Header h) throws InvalidFileException {
        String v = h.metadata().get(EPOCH);
        try {
            int e = Integer.parseInt(v);
            if (e >= 1) return e;
        } catch (NumberFormatException e) {
            // named below
        }
        throw bad(h, EPOCH, v, "not an epoch number (1 or more)");
    }

    private static List<EpochStats> history(Checkpoint.Header h, int epoch) throws InvalidFileException {
        String v = h.metadata().get(HISTORY);
        if (v == null) throw new InvalidFileException(h.file(), "has no metadata " + HISTORY + " (the run's epochs)");
        List<EpochStats> past;
        try {
            past = RunJson.COMPACT.fromJson(v, new TypeToken<List<EpochStats>>() { }.getType());
        } catch (RuntimeException e) {
            throw bad(h, HISTORY, v, "not a list of epochs (" + InvalidFileException.why(e) + ")");
        }
        if (past == null || past.size() != epoch) {
            throw bad(h, HISTORY, v, "holds " + (past == null ? 0 : past.size()) + " epochs, the checkpoint is of epoch " + epoch);
        }
        String why = EpochStats.problem(past);
        if (why != null) throw bad(h, HISTORY, v, why);
        return new ArrayList<>(past);
    }

    private static InvalidFileException bad(Checkpoint.Header h, String field, String value, String why) {
        String shown = value == null ? "missing" : "'" + (value.length() <= 60 ? value : value.substring(0, 57) + "...") + "'";
        return new InvalidFileException(h.file(), "metadata " + field + " is " + shown + ", " + why);
    }
}
