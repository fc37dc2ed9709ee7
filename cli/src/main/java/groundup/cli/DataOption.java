package groundup.cli;

import groundup.data.Mnist;
import groundup.data.MnistFetch;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** --data: where the MNIST files live (fetched there when missing). */
final class DataOption {
    @Option(names = "--data", paramLabel = "DIR", description = "MNIST directory (default: $GROUNDUP_DATA or ~/.cache/groundup/mnist).")
    Path data;

    Path dir() { return data != null ? data : MnistFetch.defaultDirectory(); }

    Mnist.Split load() throws IOException {
        Path d = dir();
        MnistFetch.ensure(d, line -> System.err.println("mnist: " + line));
        return Mnist.load(d);
    }
}
