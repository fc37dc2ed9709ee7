package groundup.cuda;

import groundup.files.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Makes JCuda 12.6's cuBLAS binding load on CUDA 12 and CUDA 13 machines alike, with nothing
 * patched by hand.
 *
 * <p>JCublas2's JNI library links libcublas.so.12, every symbol versioned so. On a machine
 * with only cuBLAS 13 (our H100/H200 test machines, driver 580), it cannot load as shipped.
 * So, before JCublas2 loads: find a directory holding cuBLAS and cuBLASLt of one major version
 * (12 preferred, else 13; see {@link #searchPath}) whose cuBLAS defines the symbol version node
 * JCublas2 will ask for, libcublas.so.N, or none at all ({@link #versionNodeProblem}); load both by absolute path, so no
 * LD_LIBRARY_PATH is needed; write the JNI library JCuda should load for that version (as
 * shipped for 12, retargeted to libcublas.so.13 by {@link ElfSoname} for 13) into a per-user
 * directory of its own for that version; and let JCuda's loader, which reuses a library file
 * it finds in {@code java.io.tmpdir}, look there. One configuration's file never serves the other,
 * and nothing is written to the shared temporary directory.
 */
final class CudaNatives {
    static final String JCUBLAS_LIB = "libJCublas2-12.6.0-linux-x86_64.so";

    private CudaNatives() {}

    /**
     * The cuBLAS found and loaded: its major version, directory and the symbol version nodes its
     * libcublas.so.N defines (empty: an unversioned library, whose symbols the loader binds
     * whatever version the binding asks for).
     */
    record Cublas(int major, Path dir, List<String> versionNodes) {
        Path library() { return dir.resolve("libcublas.so." + major); }

        /** "version nodes libcublas.so.13", or "unversioned". */
        String nodes() { return versionNodes.isEmpty() ? "unversioned" : "version nodes " + String.join(", ", versionNodes); }

        @Override public String toString() { return "cuBLAS " + major + " from " + dir + " (" + nodes() + ")"; }
    }

    /**
     * Directories to search for cuBLAS, most specific first. {@code -Dgroundup.cuda.libpath}
     * (colon-separated), when given, is the whole search: an explicit choice is not second-guessed.
     * Otherwise: LD_LIBRARY_PATH; $CUDA_HOME and $CUDA_PATH; the usual CUDA install and system
     * directories; the ld.so cache; and the nvidia/&lt;package&gt;/lib directories (pip's CUDA wheels,
     * PyTorch's) of $VIRTUAL_ENV, of the python3 on PATH, and of the system's Pythons.
     */
    static List<Path> searchPath() {
        Set<Path> dirs = new LinkedHashSet<>();
        String prop = System.getProperty("groundup.cuda.libpath");
        if (prop != null && !prop.isBlank()) {
            for (String d : prop.split(":")) if (!d.isBlank()) dirs.add(Path.of(d));
            return new ArrayList<>(dirs);
        }
        splitInto(System.getenv("LD_LIBRARY_PATH"), dirs);
        for (String var : new String[] {"CUDA_HOME", "CUDA_PATH"}) {
            String home = System.getenv(var);
            if (home == null || home.isBlank()) continue;
            for (String sub : new String[] {"lib64", "lib", "targets/x86_64-linux/lib"}) dirs.add(Path.of(home, sub));
        }
        for (String d : new String[] {"/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu",
            "/usr/lib64", "/usr/local/lib"}) dirs.add(Path.of(d));
        dirs.addAll(ldconfigDirs());
        dirs.addAll(pythonNvidiaDirs(pythonPrefixes()));
        return new ArrayList<>(dirs);
    }

    private static void splitInto(String pathList, Set<Path> dirs) {
        if (pathList != null) for (String d : pathList.split(":")) if (!d.isBlank()) dirs.add(Path.of(d));
    }

    private static boolean present(Path dir, String fileName) {
        Path f = dir.resolve(fileName);
        return Files.isRegularFile(f) || Files.isSymbolicLink(f);
    }

    /** The first directory holding both cuBLAS and cuBLASLt of that major version, or null. */
    static Path findCublas(int major, List<Path> dirs) {
        for (Path d : dirs) if (present(d, "libcublas.so." + major) && present(d, "libcublasLt.so." + major)) return d;
        return null;
    }

    /**
     * Finds and loads cuBLAS, preparing JCublas2 for it; returns what was loaded, or throws
     * IllegalStateException saying what is missing and where it looked.
     */
    static synchronized Cublas prepareCublas() {
        List<Path> dirs = searchPath();
        List<String> refused = new ArrayList<>();
        for (int major : new int[] {12, 13}) {
            Path dir = findCublas(major, dirs);
            if (dir == null) continue;
            Path lib = dir.resolve("libcublas.so." + major);
            List<String> nodes;
            try {
                nodes = ElfSoname.versionDefinitions(lib);
            } catch (IOException | IllegalArgumentException e) {
                refused.add(lib + ": its version definitions cannot be read (" + e.getMessage() + ")");
                continue;
            }
            String problem = versionNodeProblem(major, nodes);
            if (problem != null) {
                refused.add(lib + ": " + problem);
                continue;
            }
            // cuBLAS needs cuBLASLt of its own build: both come from the one directory
            System.load(dir.resolve("libcublasLt.so." + major).toAbsolutePath().toString());
            System.load(lib.toAbsolutePath().toString());
            return new Cublas(major, dir, nodes);
        }
        if (!refused.isEmpty()) throw new IllegalStateException("no usable cuBLAS: " + String.join("; ", refused));
        List<String> seen = new ArrayList<>();
        for (Path d : dirs) seen.add(d + (Files.isDirectory(d) ? "" : " (absent)"));
        throw new IllegalStateException("cuBLAS not found: no directory holds libcublas.so.12 with libcublasLt.so.12, or "
                + "libcublas.so.13 with libcublasLt.so.13; searched " + seen + ". Install the CUDA 12 or 13 cuBLAS runtime "
                + "(a CUDA toolkit, or pip's nvidia-cublas wheel) and name its directory in -Dgroundup.cuda.libpath or LD_LIBRARY_PATH");
    }

    /**
     * Null if JCublas2's binding for cuBLAS major (as shipped for 12, retargeted for 13) links
     * against a libcublas.so.N defining these version nodes, else why not. The binding asks for
     * the node libcublas.so.N; an unversioned library (no nodes) satisfies any request.
     */
    static String versionNodeProblem(int major, List<String> nodes) {
        String wanted = "libcublas.so." + major;
        if (nodes.isEmpty() || nodes.contains(wanted)) return null;
        return "it defines the symbol version nodes " + nodes + ", not " + wanted + ", which JCuda's cuBLAS binding"
                + (major == 12 ? "" : ", retargeted to it,") + " asks for";
    }

    /**
     * Runs {@code load} (what first touches JCublas2, so JCuda loads its JNI library) with
     * JCuda's extraction directory pointed at the binding for this cuBLAS: as shipped for 12,
     * retargeted for 13.
     */
    static synchronized <T> T withCublasBinding(Cublas cublas, Supplier<T> load) {
        Path dir = bindingDir(cublas.major());
        writeBinding(dir.resolve(JCUBLAS_LIB), cublas.major());
        String tmp = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", dir.toString());
        try {
            return load.get();
        } finally {
            System.setProperty("java.io.tmpdir", tmp);
        }
    }

    /** A directory of this user's, one per cuBLAS major version: ~/.cache/groundup/jcublas-12.6.0-cublasN. */
    static Path bindingDir(int major) {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        Path dir = base.resolve("groundup").resolve("jcublas-12.6.0-cublas" + major);
        try {
            Files.createDirectories(dir);
            return dir;
        } catch (IOException e) {
            // no writable home (a service account): a private directory under the temporary directory instead
            Path alt = Path.of(System.getProperty("java.io.tmpdir"), "groundup-" + System.getProperty("user.name"), dir.getFileName().toString());
            try {
                Files.createDirectories(alt.getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                Files.createDirectories(alt);
                return alt;
            } catch (IOException e2) {
                throw new IllegalStateException("cannot create a directory for JCuda's cuBLAS binding: " + dir + " (" + e.getMessage()
                        + ") nor " + alt + " (" + e2.getMessage() + ")", e2);
            }
        }
    }

    /** Writes the binding for cuBLAS major (12: as shipped; 13: retargeted) to target unless it is there already. */
    static void writeBinding(Path target, int major) {
        byte[] lib;
        try (InputStream in = CudaNatives.class.getResourceAsStream("/lib/" + JCUBLAS_LIB)) {
            if (in == null) throw new IllegalStateException("the JCublas natives jar (" + JCUBLAS_LIB + ") is not on the class path");
            lib = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + JCUBLAS_LIB + " from the class path: " + e.getMessage(), e);
        }
        byte[] wanted = major == 13 ? ElfSoname.retarget(lib, "libcublas.so.12", "libcublas.so.13") : lib;
        try {
            if (Files.isRegularFile(target) && java.util.Arrays.equals(Files.readAllBytes(target), wanted)) return;
            AtomicFiles.writeBytes(target, wanted);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write JCuda's cuBLAS " + major + " binding to " + target + ": " + e.getMessage(), e);
        }
    }

    private static List<Path> ldconfigDirs() {
        List<Path> out = new ArrayList<>();
        for (String exe : new String[] {"/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"}) {
            try {
                Process p = new ProcessBuilder(exe, "-p").redirectErrorStream(true).start();
                String text = new String(p.getInputStream().readAllBytes());
                if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
                for (String line : text.split("\n")) {
                    int arrow = line.indexOf("=> ");
                    if (line.contains("libcublas") && arrow > 0) {
                        Path f = Path.of(line.substring(arrow + 3).trim());
                        if (f.getParent() != null) out.add(f.getParent());
                    }
                }
                return out;
            } catch (IOException | InterruptedException e) {
                // try the next location of ldconfig
            }
        }
        return out;
    }

    /**
     * Python installations whose site-packages may hold CUDA wheels, as prefixes (the folder
     * holding lib/python3.X): $VIRTUAL_ENV; the parent of the PATH folder holding python3, taken
     * as it is on PATH (a venv's bin/python3 is a link to the system's, and resolving it would
     * leave the venv); the system's.
     */
    static List<Path> pythonPrefixes() {
        Set<Path> prefixes = new LinkedHashSet<>();
        String venv = System.getenv("VIRTUAL_ENV");
        if (venv != null && !venv.isBlank()) prefixes.add(Path.of(venv));
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(":")) {
                if (d.isBlank()) continue;
                Path bin = Path.of(d);
                if (Files.exists(bin.resolve("python3")) && bin.toAbsolutePath().getParent() != null) prefixes.add(bin.toAbsolutePath().getParent());
            }
        }
        for (String p : new String[] {"/usr/local", "/usr", "/opt/conda"}) prefixes.add(Path.of(p));
        String home = System.getProperty("user.home");
        if (home != null) prefixes.add(Path.of(home, ".local"));
        return new ArrayList<>(prefixes);
    }

    /** nvidia/&lt;package&gt;/lib (cu12 wheels: nvidia/cublas/lib; cu13 wheels: nvidia/cu13/lib) under each prefix's Pythons. */
    static List<Path> pythonNvidiaDirs(List<Path> prefixes) {
        List<Path> out = new ArrayList<>();
        for (Path prefix : prefixes) {
            Path lib = prefix.resolve("lib");
            if (!Files.isDirectory(lib)) continue;
            try (var pys = Files.list(lib)) {
                for (Path py : pys.filter(p -> p.getFileName().toString().startsWith("python3")).sorted().toList()) {
                    for (String site : new String[] {"site-packages", "dist-packages"}) {
                        Path nv = py.resolve(site).resolve("nvidia");
                        if (!Files.isDirectory(nv)) continue;
                        try (var pkgs = Files.list(nv)) {
                            for (Path pkg : pkgs.sorted().toList()) if (Files.isDirectory(pkg.resolve("lib"))) out.add(pkg.resolve("lib"));
                        }
                    }
                }
            } catch (IOException e) {
                // an unreadable directory just is not searched
            }
        }
        return out;
    }
}
