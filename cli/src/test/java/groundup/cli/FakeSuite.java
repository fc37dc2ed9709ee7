package groundup.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Stands in for groundup.bench.Suite in BenchCommandTest: writes its arguments, a separator and
 * its JVM's options into --out/args.txt, then a report.md; exits with status N where the file
 * given as --pytorch reads "exit N".
 */
public final class FakeSuite {
    static final String ARGS = "args.txt";

    private FakeSuite() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[Arrays.asList(args).indexOf("--out") + 1]);
        List<String> lines = new ArrayList<>(Arrays.asList(args));
        lines.add("--");
        lines.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        Files.write(out.resolve(ARGS), lines);
        int torch = Arrays.asList(args).indexOf("--pytorch");
        if (torch >= 0) {
            String cue = Files.readString(Path.of(args[torch + 1])).strip();
            if (cue.startsWith("exit ")) System.exit(Integer.parseInt(cue.substring(5)));
        }
        System.out.println("# Run progress: 100.00% complete, ETA 00:00:00");
        Files.writeString(out.resolve("report.md"), "# report\n");
    }
}
