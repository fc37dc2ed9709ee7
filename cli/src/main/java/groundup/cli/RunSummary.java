package groundup.cli;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.reflect.TypeToken;
import groundup.errors.InvalidFileException;
import groundup.nn.NetworkSpec;
import groundup.train.EpochStats;
import groundup.train.RunConfig;
import groundup.train.RunJson;
import groundup.train.TrainingRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A finished or running training run, read back from the summary.json that {@code train} writes. */
record RunSummary(Path file, String net, Map<String, String> settings, List<EpochStats> epochs) {

    /** The summary file of {@code path}: a run directory's summary.json, or path itself. */
    static Path fileOf(Path path) { return Files.isDirectory(path) ? path.resolve(TrainingRun.SUMMARY) : path; }

    /**
     * {@code path}: a run directory (its summary.json) or a summary file. Every field read is
     * checked: an InvalidFileException names the file and the field, a FileAccessException the
     * file system's refusal.
     */
    static RunSummary read(Path path) throws IOException {
        Path file = fileOf(path);
        if (!Files.exists(file)) throw new InvalidFileException(file, "no such file (is " + path + " a train --out directory?)");
        if (!Files.isRegularFile(file)) throw new InvalidFileException(file, "is not a file");
        String text;
        try {
            text = Files.readString(file);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new InvalidFileException(file, "not text (UTF-8)");
        } catch (IOException e) {
            throw new groundup.errors.FileAccessException("reading", file, e);
        }
        JsonObject o;
        try {
            o = new Gson().fromJson(text, JsonObject.class);
        } catch (RuntimeException e) {
            throw new InvalidFileException(file, "not valid summary JSON (" + InvalidFileException.why(e) + ")");
        }
        if (o == null || !o.has("epochs") || !o.has("hyperparameters") || !o.has("net")) {
            throw new InvalidFileException(file, "not a GroundUp run summary (no net, hyperparameters or epochs)");
        }
        String field = "net";
        try {
            String net = o.get("net").getAsString();
            field = "hyperparameters";
            Map<String, String> raw = new LinkedHashMap<>();
            o.getAsJsonObject("hyperparameters").entrySet().forEach(e -> raw.put(e.getKey(), e.getValue().isJsonNull() ? "all" : e.getValue().getAsString()));
            // one set of keys whatever the summary's age: RunConfig reads the older spellings too
            field = "network";
            NetworkSpec spec = o.has("network") ? NetworkSpec.fromJson(o.get("network").toString()) : NetworkSpec.of(net);
            field = "hyperparameters";
            Map<String, String> settings = new LinkedHashMap<>(RunConfig.fromSettings(spec, raw, null).settings());
            settings.putIfAbsent(RunConfig.TRAIN_LIMIT, "all");
            settings.putIfAbsent(RunConfig.TEST_LIMIT, "all");
            field = "epochs";
            List<EpochStats> epochs = RunJson.COMPACT.fromJson(o.get("epochs"), new TypeToken<List<EpochStats>>() { }.getType());
            if (epochs == null || epochs.isEmpty()) throw new InvalidFileException(file, "holds no finished epoch yet");
            String why = EpochStats.problem(epochs);
            if (why != null) throw new InvalidFileException(file, "field epochs: " + why);
            return new RunSummary(file, net, settings, epochs);
        } catch (RuntimeException e) {
            throw new InvalidFileException(file, "field " + field + " is not valid (" + InvalidFileException.why(e) + ")");
        }
    }

    EpochStats last() { return epochs.get(epochs.size() - 1); }

    /** The epoch with the best validation accuracy, or null when the run held out no validation set. */
    EpochStats bestByValidation() {
        return Integer.parseInt(settings.get(RunConfig.VALIDATION)) == 0 ? null : TrainingRun.bestByValidation(epochs);
    }

    EpochStats best() {
        EpochStats b = epochs.get(0);
        for (EpochStats s : epochs) if (s.testAccuracy() > b.testAccuracy()) b = s;
        return b;
    }
}
