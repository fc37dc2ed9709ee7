package groundup.data;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The data sets GroundUp fetches by name: four raw IDX files each (the names of {@link Mnist}),
 * 28x28 grayscale images in 10 classes, checked by SHA-256. Any folder of four such files can
 * be trained on through {@code --data}; these are the ones it also knows how to get.
 */
public enum KnownDataset {
    MNIST("mnist", List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
            List.of("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                    "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
            // the mirrors of the gzipped originals that torchvision uses (the original host refuses downloads)
            List.of("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/")),
    FASHION_MNIST("fashion-mnist", List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
            List.of("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
                    "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
            // Zalando Research's own copy of the gzipped files
            List.of("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"));

    /** "mnist", "fashion-mnist": the name on the command line, in checkpoints and summaries. */
    public final String id;
    /** Class c's name, for predictions and charts. */
    public final List<String> classes;
    /** Raw (uncompressed) file name to its SHA-256, in fetch order. */
    public final Map<String, String> sha256;
    /** Base URLs of the gzipped files; FILE.gz is appended. */
    public final List<String> mirrors;

    KnownDataset(String id, List<String> classes, List<String> sums, List<String> mirrors) {
        this.id = id;
        this.classes = classes;
        Map<String, String> m = new LinkedHashMap<>();
        List<String> files = List.of(Mnist.TRAIN_IMAGES, Mnist.TRAIN_LABELS, Mnist.TEST_IMAGES, Mnist.TEST_LABELS);
        for (int i = 0; i < files.size(); i++) m.put(files.get(i), sums.get(i));
        this.sha256 = java.util.Collections.unmodifiableMap(m);
        this.mirrors = mirrors;
    }

    /** The data set of that name, or an IllegalArgumentException listing the names. */
    public static KnownDataset parse(String id) {
        for (KnownDataset d : values()) if (d.id.equals(id.trim().toLowerCase(Locale.ROOT))) return d;
        throw new IllegalArgumentException("unknown dataset '" + id + "'; choose one of " + Arrays.stream(values()).map(d -> d.id).toList());
    }

    /** Where the data set is looked for by default: for MNIST $GROUNDUP_DATA if set; else {@link #managedDirectory}. */
    public java.nio.file.Path defaultDirectory() {
        String env = System.getenv("GROUNDUP_DATA");
        if (this == MNIST && env != null && !env.isBlank()) return java.nio.file.Path.of(env);
        return managedDirectory();
    }

    /**
     * GroundUp's own copy: $XDG_CACHE_HOME/groundup/ID, else ~/.cache/groundup/ID (ID: mnist,
     * fashion-mnist), where {@code groundup fetch-mnist} puts it. The only folders whose files
     * GroundUp may replace; every other is the user's.
     */
    public java.nio.file.Path managedDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        java.nio.file.Path cache = xdg != null && !xdg.isBlank() ? java.nio.file.Path.of(xdg)
                : java.nio.file.Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("groundup").resolve(id);
    }

    /** "3 (Dress)" for Fashion-MNIST, "3" for MNIST's digits. */
    public String label(int c) { return this == MNIST ? classes.get(c) : c + " (" + classes.get(c) + ")"; }
}
