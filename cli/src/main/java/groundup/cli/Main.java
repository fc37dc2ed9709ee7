package groundup.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The command line: train, eval, predict, compare, fetch-mnist, backends; gradcheck, experiment, visualize (the book's experiments). */
@Command(name = "groundup", mixinStandardHelpOptions = true, version = "GroundUp 0.1.0",
        description = "Trains the networks of 'Deep Learning from Scratch' on MNIST, on the CPU or a CUDA GPU.",
        subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, CompareCommand.class, FetchCommand.class, BackendsCommand.class,
                GradCheckCommand.class, ExperimentCommand.class, VisualizeCommand.class})
public final class Main implements Runnable {

    @Override public void run() { new CommandLine(this).usage(System.out); }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        // log records on one line: "INFO groundup.backend: ..."
        System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s %3$s: %5$s%6$s%n");
        System.exit(execute(args));
    }

    /**
     * Runs a command line and returns its exit code: 0 done; 2 bad usage (a flag's value, flags
     * that conflict); 1 a failure the message explains (a bad or missing file, named; a backend
     * that cannot load; training that diverged; device memory), one line each; 1 also for
     * anything else, which is a bug: that prints its stack trace.
     */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            String prefix = "groundup " + cmd.getCommandName() + ": error: ";
            if (e instanceof UsageException || e instanceof CommandLine.ParameterException) {
                cmd.getErr().println(prefix + msg);
                return 2;
            }
            if (explained(e)) {
                cmd.getErr().println(prefix + msg);
                if (System.getenv("GROUNDUP_DEBUG") != null) e.printStackTrace(cmd.getErr());
                return 1;
            }
            cmd.getErr().println(prefix + "internal error, please report it with this trace: " + e);
            e.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl.execute(args);
    }

    /** Failures whose message says all a user needs: no stack trace. */
    private static boolean explained(Exception e) {
        return e instanceof java.io.IOException || e instanceof java.io.UncheckedIOException || e instanceof CommandFailedException
                || e instanceof groundup.backend.BackendUnavailableException || e instanceof groundup.backend.DeviceOutOfMemoryException
                || e instanceof groundup.train.TrainingDivergedException;
    }
}
