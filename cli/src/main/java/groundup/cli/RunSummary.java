package groundup.cli;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import groundup.errors.InvalidFileException;
import groundup.train.EpochStats;
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
        Path file = Files.isDirectory(path) ? path.resolve(TrainCommand.SUMMARY) : path;
        if (!Files.isRegularFile(file)) throw new InvalidFileException(file, "no such file (is " + path + " a train --out directory?)");
        try {
            JsonObject o = new Gson().fromJson(Files.readString(file), JsonObject.class);
            if (o == null || !o.has("epochs") || !o.has("hyperparameters") || !o.has("net")) {
                throw new InvalidFileException(file, "not a GroundUp run summary (no net, hyperparameters or epochs)");
            }
            Map<String, String> settings = new LinkedHashMap<>();
            o.getAsJsonObject("hyperparameters").entrySet().forEach(e ->
                    settings.put(e.getKey(), e.getValue().isJsonNull() ? "all" : e.getValue().getAsString()));
            settings.putIfAbsent("lr_schedule", "constant");     // summaries from before schedules and validation existed
            settings.putIfAbsent("validation_images", "0");
            List<EpochStats> epochs = new Gson().fromJson(o.get("epochs"), new TypeToken<List<EpochStats>>() { }.getType());
            if (epochs.isEmpty()) throw new InvalidFileException(file, "holds no finished epoch yet");
            return new RunSummary(file, o.get("net").getAsString(), settings, epochs);
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            throw new InvalidFileException(file, "not valid summary JSON (" + e.getMessage() + ")");
        }
    }

    EpochStats last() { return epochs.get(epochs.size() - 1); }

    /** The epoch with the best validation accuracy, or null when the run held out no validation set. */
    EpochStats bestByValidation() {
        String v = settings.get("validation_images");
        return v == null || v.equals("all") || Integer.parseInt(v) == 0 ? null : TrainCommand.bestByValidation(epochs);
    }

    EpochStats best() {
        EpochStats b = epochs.get(0);
        for (EpochStats s : epochs) if (s.testAccuracy() > b.testAccuracy()) b = s;
        return b;
    }
}
