package groundup.cli;

import groundup.data.KnownDataset;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** --dataset mnist|fashion-mnist. */
final class DatasetOption {
    @Option(names = "--dataset", paramLabel = "NAME", description = "mnist or fashion-mnist (default: mnist; where a checkpoint is given, the one it was trained on).")
    String dataset;

    /** The one asked for, else the default. */
    KnownDataset orElse(KnownDataset dflt) {
        return dataset == null ? dflt : UsageException.parsed("--dataset", () -> KnownDataset.parse(dataset));
    }

    /** The checkpoint's data set; asking for another is a usage error that says which it was trained on. */
    KnownDataset checkedAgainst(KnownDataset trainedOn, Path checkpoint) {
        KnownDataset asked = orElse(trainedOn);
        if (asked != trainedOn) {
            throw new UsageException("--dataset " + asked.id + ": " + checkpoint + " was trained on " + trainedOn.id
                    + "; its classes mean something else on " + asked.id + " (leave --dataset out, or give a checkpoint trained on it)");
        }
        return asked;
    }
}
