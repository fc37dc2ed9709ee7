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
    private LinkageError noDesktop;

    /** A figure's drawing and writing. */
    interface Drawing {
        void draw() throws IOException;
    }

    /**
     * Draws a figure. A Java without the java.desktop module (a jlink'd runtime) draws nothing;
     * {@link #finish} then writes the numbers all the same and says why the figures are missing.
     */
    void draw(Drawing d) throws IOException {
        if (noDesktop != null) return;
        try {
            d.draw();
        } catch (LinkageError e) {
            noDesktop = e;
        }
    }

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

    /** Writes the record as NAME.json and prints the files written; exit 1 after it if the figures could not be drawn. */
    void finish(String name, Record record, Path... pictures) throws IOException {
        Path json = dir(name).resolve(name + ".json");
        record.write(json);
        StringBuilder sb = new StringBuilder("wrote ").append(json);
        if (noDesktop == null) for (Path p : pictures) sb.append(", ").append(p);
        System.out.println(sb);
        if (noDesktop != null) {
            throw new CommandFailedException("the numbers are in " + json + "; the figures were not drawn: drawing needs the java.desktop module, "
                    + "which this Java lacks (" + noDesktop + ")", noDesktop);
        }
    }
}
