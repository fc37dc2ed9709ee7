package groundup.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The command line: train, eval, predict, compare, fetch-mnist, backends. */
@Command(name = "groundup", mixinStandardHelpOptions = true, version = "GroundUp 0.1.0",
        description = "Trains the networks of 'Deep Learning from Scratch' on MNIST, on the CPU or a CUDA GPU.",
        subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, CompareCommand.class, FetchCommand.class, BackendsCommand.class})
public final class Main implements Runnable {

    @Override public void run() { new CommandLine(this).usage(System.out); }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        // log records on one line: "INFO groundup.backend: ..."
        System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s %3$s: %5$s%6$s%n");
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code: 0 done, 1 failed, 2 bad usage. */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // one line that names what is wrong; the stack trace only with GROUNDUP_DEBUG set
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            cmd.getErr().println("groundup " + cmd.getCommandName() + ": error: " + msg);
            if (System.getenv("GROUNDUP_DEBUG") != null) e.printStackTrace(cmd.getErr());
            return e instanceof IllegalArgumentException || e instanceof CommandLine.ParameterException ? 2 : 1;
        });
        return cl.execute(args);
    }
}
