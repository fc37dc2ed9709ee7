package groundup.cli;

import groundup.backend.Backend;
import groundup.experiments.Progress;
import groundup.experiments.Record;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What every experiment and visualization takes: --backend, --seed, --out; and where it writes. */
final class ExperimentOptions {
    @Option(names = "--seed", description = "Seed of initialization, mini-batch draws and random inputs (default: ${DEFAULT-VALUE}).")
    long seed = 1;
    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: a new runs/NAME-YYYYMMDD-HHMMSS).") Path out;
    @Mixin BackendOption backendOption;

    private Path dir;

    /** Opens the backend and prints which, as train does. */
    Backend open(String what) {
        Backend b = backendOption.open();
        System.out.println(what + " on " + b.describe());
        return b;
    }

    /** The output directory, made on first use: --out, else runs/NAME-YYYYMMDD-HHMMSS. */
    Path dir(String name) throws IOException {
        if (dir == null) {
            dir = out != null ? out : Path.of("runs", name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            Files.createDirectories(dir);
        }
        return dir;
    }

    Progress progress(String name) { return Progress.to(System.err, name); }

    /** Writes the record as NAME.json and prints the files written. */
    void finish(String name, Record record, Path... pictures) throws IOException {
        Path json = dir(name).resolve(name + ".json");
        record.write(json);
        StringBuilder sb = new StringBuilder("wrote ").append(json);
        for (Path p : pictures) sb.append(", ").append(p);
        System.out.println(sb);
    }
}
