package groundup.cli;

import groundup.fetch.DatasetFetch;
import groundup.data.KnownDataset;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "fetch-mnist", mixinStandardHelpOptions = true,
        description = "Makes sure the four files of MNIST (or --dataset fashion-mnist) are in the data directory, downloading and verifying them when needed.")
final class FetchCommand implements Callable<Integer> {
    @Mixin DatasetOption dataset;
    @Mixin DataOption data;

    @Override public Integer call() throws Exception {
        KnownDataset d = dataset.orElse(KnownDataset.MNIST);
        Path dir = data.dir(d);
        DatasetFetch.ensure(dir, d, line -> System.err.println(d.id + ": " + line));
        var differ = DatasetFetch.problems(dir, d).keySet();
        if (!differ.isEmpty()) {     // the user's folder, holding other files: kept, and not called what it is not
            throw new CommandFailedException(dir + " holds IDX files that are not the reference " + d.id + " (" + String.join(", ", differ)
                    + "); they were left as they are: train on them with --data, or fetch " + d.id + " into another folder", null);
        }
        System.out.println(d.id + " is ready in " + dir + " (4 files, SHA-256 verified)");
        return 0;
    }
}
