package groundup.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import groundup.errors.InvalidFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a data set was read from and what it was: its name, the folder (absolute) and the
 * SHA-256 of each of the four IDX files as read. A run records it, so that resuming it can
 * use the same files and refuse others.
 *
 * @param dataset the name the files were loaded as (a {@link KnownDataset} id: "mnist")
 * @param sha256  file name ({@link #NAMES}) to the hex SHA-256 of its bytes
 */
public record DataFiles(String dataset, Path dir, Map<String, String> sha256) {
    public static final List<String> NAMES = List.of(Mnist.TRAIN_IMAGES, Mnist.TRAIN_LABELS, Mnist.TEST_IMAGES, Mnist.TEST_LABELS);

    public DataFiles {
        sha256 = Map.copyOf(sha256);
        if (!sha256.keySet().equals(java.util.Set.copyOf(NAMES))) throw new IllegalArgumentException("the SHA-256 of " + NAMES + " are needed, got " + sha256.keySet());
        dir = dir.toAbsolutePath().normalize();
    }

    /** The JSON a run's checkpoint and summary hold: {"dataset", "dir", "sha256": {name: hex}}. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("dataset", dataset);
        o.addProperty("dir", dir.toString());
        JsonObject sums = new JsonObject();
        for (String n : NAMES) sums.addProperty(n, sha256.get(n));
        o.add("sha256", sums);
        return o;
    }

    /** Reads {@link #toJson} back from {@code field} of {@code file} ("metadata groundup.data"); anything else is an InvalidFileException naming both. */
    public static DataFiles fromJson(String json, Path file, String field) throws InvalidFileException {
        try {
            JsonElement e = JsonParser.parseString(json);
            JsonObject o = e.getAsJsonObject(), sums = o.getAsJsonObject("sha256");
            String dataset = o.get("dataset").getAsString();
            if (dataset.isBlank()) throw new IllegalArgumentException("no dataset name");
            Path dir = Path.of(o.get("dir").getAsString());
            if (!dir.isAbsolute()) throw new IllegalArgumentException("dir " + dir + " is not absolute");
            Map<String, String> m = new LinkedHashMap<>();
            for (String n : NAMES) {
                String h = sums.get(n).getAsString();
                if (!h.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("the SHA-256 of " + n + " is '" + h + "'");
                m.put(n, h);
            }
            return new DataFiles(dataset, dir, m);
        } catch (RuntimeException e) {
            throw new InvalidFileException(file, field + " is not a data set's record (" + InvalidFileException.why(e) + "): " + shorten(json));
        }
    }

    /**
     * That {@code now} are these very files (by SHA-256), else an InvalidFileException naming the
     * first that differs; {@code whose} says what recorded these ("the run in runs/x").
     */
    public void check(DataFiles now, String whose) throws InvalidFileException {
        for (String n : NAMES) {
            if (!sha256.get(n).equals(now.sha256().get(n))) {
                throw new InvalidFileException(now.dir().resolve(n), "is not the file " + whose + " trained on (SHA-256 "
                        + now.sha256().get(n).substring(0, 12) + "..., the run's " + sha256.get(n).substring(0, 12) + "... from " + dir.resolve(n)
                        + "); resume it with the same four files");
            }
        }
    }

    /**
     * That the four files are in {@code in}, where a resume looks for these, else an
     * InvalidFileException naming the first missing. Nothing is fetched into a user's folder.
     */
    public void requirePresent(Path in, String whose) throws InvalidFileException {
        for (String n : NAMES) {
            Path f = in.resolve(n);
            if (!Files.isRegularFile(f)) {
                throw new InvalidFileException(f, "missing: " + whose + " trained on the four files of " + dir + "; put them back, or give "
                        + "the folder that holds them now");
            }
        }
    }

    static String shorten(String s) { return s.length() <= 80 ? s : s.substring(0, 77) + "..."; }
}
