package groundup.cli;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
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

    /** {@code path}: a run directory (its summary.json) or a summary file. */
    static RunSummary read(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(TrainingRun.SUMMARY) : path;
        if (!Files.isRegularFile(file)) throw new InvalidFileException(file, "no such file (is " + path + " a train --out directory?)");
        try {
            JsonObject o = new Gson().fromJson(Files.readString(file), JsonObject.class);
            if (o == null || !o.has("epochs") || !o.has("hyperparameters") || !o.has("net")) {
                throw new InvalidFileException(file, "not a GroundUp run summary (no net, hyperparameters or epochs)");
            }
            Map<String, String> raw = new LinkedHashMap<>();
            o.getAsJsonObject("hyperparameters").entrySet().forEach(e -> raw.put(e.getKey(), e.getValue().isJsonNull() ? "all" : e.getValue().getAsString()));
            // one set of keys whatever the summary's age: RunConfig reads the older spellings too
            NetworkSpec spec = o.has("network") ? NetworkSpec.fromJson(o.get("network").toString()) : NetworkSpec.of(o.get("net").getAsString());
            Map<String, String> settings = new LinkedHashMap<>(RunConfig.fromSettings(spec, raw, null).settings());
            settings.putIfAbsent(RunConfig.TRAIN_LIMIT, "all");
            settings.putIfAbsent(RunConfig.TEST_LIMIT, "all");
            List<EpochStats> epochs = RunJson.COMPACT.fromJson(o.get("epochs"), new TypeToken<List<EpochStats>>() { }.getType());
            if (epochs.isEmpty()) throw new InvalidFileException(file, "holds no finished epoch yet");
            return new RunSummary(file, o.get("net").getAsString(), settings, epochs);
        } catch (JsonParseException | IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            throw new InvalidFileException(file, "not valid summary JSON (" + e.getMessage() + ")");
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
