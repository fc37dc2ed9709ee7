package groundup.experiments;

import groundup.files.AtomicFiles;
import groundup.train.RunJson;
import java.io.IOException;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * What every experiment's JSON holds: which experiment and book script, when, on which backend,
 * with which seed and parameters, then its numbers. Strict JSON with snake_case keys; a number
 * that is not finite (a diverged run's loss) is written as null.
 */
public record Record(String experiment, String book, String date, String backend, long seed, Object parameters, Object results) {

    public static Record of(String experiment, String book, String backend, long seed, Object parameters, Object results) {
        String now = OffsetDateTime.now(ZoneOffset.UTC).withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        return new Record(experiment, book, now, backend, seed, parameters, results);
    }

    public void write(Path file) throws IOException { AtomicFiles.writeString(file, RunJson.SNAKE_CASE.toJson(this) + "\n"); }
}
