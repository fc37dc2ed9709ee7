package groundup.cli;

import groundup.data.MnistFetch;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "fetch-mnist", mixinStandardHelpOptions = true,
        description = "Makes sure the four MNIST files are in the data directory, downloading and verifying them when needed.")
final class FetchCommand implements Callable<Integer> {
    @Mixin DataOption data;

    @Override public Integer call() throws Exception {
        MnistFetch.ensure(data.dir(), line -> System.err.println("mnist: " + line));
        var differ = MnistFetch.problems(data.dir()).keySet();
        if (!differ.isEmpty()) {     // the user's folder, holding other files: kept, and not called MNIST
            throw new CommandFailedException(data.dir() + " holds IDX files that are not the reference MNIST (" + String.join(", ", differ)
                    + "); they were left as they are: train on them with --data, or fetch MNIST into another folder", null);
        }
        System.out.println("MNIST is ready in " + data.dir() + " (4 files, SHA-256 verified)");
        return 0;
    }
}
