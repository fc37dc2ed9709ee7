package groundup.cli;

import groundup.data.DatasetFetch;
import groundup.data.KnownDataset;
import groundup.data.Mnist;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** --data: the folder of the four IDX files (fetched there when missing: only ever into an empty folder or GroundUp's cache). */
final class DataOption {
    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder of the four IDX files (default: for mnist $GROUNDUP_DATA, else ~/.cache/groundup/DATASET). "
                    + "Files of other content are trained on as they are; none is ever replaced.")
    Path data;

    Path dir(KnownDataset d) { return data != null ? data : DatasetFetch.defaultDirectory(d); }

    Mnist.Split load(KnownDataset d) throws IOException {
        Path dir = dir(d);
        DatasetFetch.ensure(dir, d, line -> System.err.println(d.id + ": " + line));
        return Mnist.load(dir, d.id);
    }
}
