package groundup.cli;

import groundup.data.DataFiles;
import groundup.fetch.DatasetFetch;
import groundup.data.KnownDataset;
import groundup.data.Mnist;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** --data: the folder of the four IDX files (fetched there when missing: only ever into an empty folder or GroundUp's cache). */
final class DataOption {
    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder of the four IDX files (default: for mnist $GROUNDUP_DATA, else ~/.cache/groundup/DATASET; "
                    + "train --resume: the folder the run recorded). A folder of your own is read as it is; no file in it is ever replaced.")
    Path data;

    Path dir(KnownDataset d) { return dir(d, null); }

    /** --data, else the folder a resumed run recorded (when it did), else the default. */
    Path dir(KnownDataset d, DataFiles recorded) {
        return data != null ? data : recorded != null ? recorded.dir() : DatasetFetch.defaultDirectory(d);
    }

    Mnist.Split load(KnownDataset d) throws IOException { return load(d, dir(d)); }

    /**
     * The data of a resumed run: the files it recorded, where they are now. A folder other than
     * GroundUp's cache must still hold all four (nothing is fetched into it); the run then
     * checks them by SHA-256 ({@link groundup.train.TrainingRun#resume}).
     */
    Mnist.Split loadForResume(KnownDataset d, DataFiles recorded, Path run) throws IOException {
        Path dir = dir(d, recorded);
        if (recorded == null || DatasetFetch.isManaged(dir, d)) return load(d, dir);
        recorded.requirePresent(dir, "the run in " + run);
        return Mnist.load(dir, d.id);
    }

    private static Mnist.Split load(KnownDataset d, Path dir) throws IOException {
        DatasetFetch.ensure(dir, d, line -> System.err.println(d.id + ": " + line));
        return Mnist.load(dir, d.id);
    }
}
