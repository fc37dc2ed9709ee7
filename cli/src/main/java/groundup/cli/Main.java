package groundup.cli;

import groundup.errors.FileAccessException;
import groundup.errors.InvalidSettingException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The command line: train, eval, predict, compare, fetch-mnist, backends; gradcheck, experiment, visualize (the book's experiments); profile, bench. */
@Command(name = "groundup", mixinStandardHelpOptions = true, version = "GroundUp 0.1.0",
        description = "Trains the networks of 'Deep Learning from Scratch' on MNIST, on the CPU or a CUDA GPU.",
        footer = {"", "Settings are Java system properties, given to ./groundup in JAVA_OPTS:",
                "  JAVA_OPTS=-Dgroundup.threads=2 ./groundup train",
                "docs/cli.md lists them. Environment: GROUNDUP_DATA (MNIST's folder),",
                "GROUNDUP_BACKEND (cpu, cuda or auto)."},
        subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, CompareCommand.class, FetchCommand.class, BackendsCommand.class,
                GradCheckCommand.class, ExperimentCommand.class, VisualizeCommand.class, ProfileCommand.class, BenchCommand.class})
public final class Main implements Runnable {

    @Override public void run() { new CommandLine(this).usage(System.out); }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        // log records on one line: "INFO groundup.backend: ..."
        System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s %3$s: %5$s%6$s%n");
        System.exit(execute(args));
    }

    /**
     * Runs a command line and returns its exit code: 0 done; 2 bad usage (an unknown flag, a
     * flag's value, flags that conflict, a flag that does not apply, an output that would replace
     * an input), one line naming the flag and pointing to --help; 1 a failure the message
     * explains (a bad or missing file, named with its field; a file-system error, named with its
     * cause; a run folder in use; a backend that cannot load; training that diverged; device
     * memory), one line each; 1 also for anything else, which is a bug: that prints its stack
     * trace.
     */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((e, parsedArgs) -> {
            CommandLine cmd = e.getCommandLine();
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().strip().lines().findFirst().orElse("");
            cmd.getErr().println(usageLine(cmd, msg));
            return 2;
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof UsageException || e instanceof CommandLine.ParameterException) {
                cmd.getErr().println(usageLine(cmd, e.getMessage()));
                return 2;
            }
            if (e instanceof InvalidSettingException s) {
                cmd.getErr().println(usageLine(cmd, Flags.message(s)));
                return 2;
            }
            String prefix = cmd.getCommandSpec().qualifiedName() + ": error: ";
            if (explained(e)) {
                cmd.getErr().println(prefix + (e instanceof java.io.IOException io ? FileAccessException.describe(io) : e.getMessage()));
                if (System.getenv("GROUNDUP_DEBUG") != null) e.printStackTrace(cmd.getErr());
                return 1;
            }
            cmd.getErr().println(prefix + "internal error, please report it with this trace: " + e);
            e.printStackTrace(cmd.getErr());
            return 1;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {     // past what the checks foresaw (TrainingRun reports its own): one line all the same
            System.err.printf(java.util.Locale.ROOT, "groundup: error: the Java heap (%.1f GiB) ran out; lower --batch, or give Java more heap "
                    + "(JAVA_OPTS=-Xmx8g ./groundup ...)%n", Runtime.getRuntime().maxMemory() / (double) (1L << 30));
            return 1;
        }
    }

    /** "groundup train: error: --batch 0: must be positive (see groundup train --help)". */
    private static String usageLine(CommandLine cmd, String msg) {
        String name = cmd.getCommandSpec().qualifiedName();
        return name + ": error: " + msg + " (see " + name + " --help)";
    }

    /** Failures whose message says all a user needs: no stack trace. */
    private static boolean explained(Exception e) {
        return (e instanceof java.io.IOException && e.getMessage() != null) || e instanceof java.io.UncheckedIOException
                || e instanceof CommandFailedException
                || e instanceof groundup.backend.BackendUnavailableException || e instanceof groundup.backend.DeviceOutOfMemoryException
                || e instanceof groundup.train.TrainingDivergedException;
    }
}
