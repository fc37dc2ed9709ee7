package groundup.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Makes JCuda 12.6's cuBLAS binding load on CUDA 12 and CUDA 13 machines alike, with nothing
 * patched by hand.
 *
 * <p>JCublas2's JNI library links libcublas.so.12, every symbol versioned so. On a machine
 * with only cuBLAS 13 (our H100/H200 test machines, driver 580), it cannot load as shipped.
 * So, before JCublas2 loads: find cuBLAS (12 preferred, else 13) on LD_LIBRARY_PATH, the
 * {@code groundup.cuda.libpath} property, the CUDA install, the ld.so cache or a Python
 * environment's nvidia packages; load it (and cuBLASLt, which it needs) by absolute path, so
 * no LD_LIBRARY_PATH is needed; and for cuBLAS 13, write a copy of the JNI library retargeted
 * to libcublas.so.13 (see {@link ElfSoname}) where JCuda's loader looks first for an already
 * extracted copy: {@code java.io.tmpdir/libJCublas2-12.6.0-linux-x86_64.so}.
 */
final class CudaNatives {
    static final String JCUBLAS_LIB = "libJCublas2-12.6.0-linux-x86_64.so";

    private CudaNatives() {}

    /** The cuBLAS found and loaded: its major version and directory. */
    record Cublas(int major, Path dir) {}

    /** Directories to search for CUDA libraries, most specific first. */
    static List<Path> searchPath() {
        Set<Path> dirs = new LinkedHashSet<>();
        String prop = System.getProperty("groundup.cuda.libpath");
        if (prop != null) for (String d : prop.split(":")) if (!d.isBlank()) dirs.add(Path.of(d));
        String env = System.getenv("LD_LIBRARY_PATH");
        if (env != null) for (String d : env.split(":")) if (!d.isBlank()) dirs.add(Path.of(d));
        for (String d : new String[] {"/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu",
            "/usr/lib64", "/usr/local/lib"}) dirs.add(Path.of(d));
        dirs.addAll(ldconfigDirs());
        dirs.addAll(pythonNvidiaDirs());
        return new ArrayList<>(dirs);
    }

    /** The first directory holding the file name, or null. */
    static Path find(String fileName, List<Path> dirs) {
        for (Path d : dirs) if (Files.isRegularFile(d.resolve(fileName)) || Files.isSymbolicLink(d.resolve(fileName))) return d;
        return null;
    }

    /**
     * Finds and loads cuBLAS, preparing JCublas2 for it; returns what was loaded, or throws
     * IllegalStateException saying what is missing.
     */
    static synchronized Cublas prepareCublas() {
        List<Path> dirs = searchPath();
        for (int major : new int[] {12, 13}) {
            Path dir = find("libcublas.so." + major, dirs), ltDir = find("libcublasLt.so." + major, dirs);
            if (dir == null || ltDir == null) continue;
            System.load(ltDir.resolve("libcublasLt.so." + major).toAbsolutePath().toString());
            System.load(dir.resolve("libcublas.so." + major).toAbsolutePath().toString());
            if (major == 13) writeRetargetedJcublas();
            return new Cublas(major, dir);
        }
        throw new IllegalStateException("cuBLAS not found: neither libcublas.so.12 nor libcublas.so.13 (with libcublasLt) in "
                + dirs.stream().filter(Files::isDirectory).toList()
                + "; install the CUDA 12 or 13 cuBLAS runtime and put its directory on LD_LIBRARY_PATH or in -Dgroundup.cuda.libpath");
    }

    /** Writes JCublas2's JNI library, retargeted to libcublas.so.13, where JCuda's loader will take it. */
    private static void writeRetargetedJcublas() {
        byte[] lib;
        try (InputStream in = CudaNatives.class.getResourceAsStream("/lib/" + JCUBLAS_LIB)) {
            if (in == null) throw new IllegalStateException("the JCublas natives jar (" + JCUBLAS_LIB + ") is not on the class path");
            lib = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + JCUBLAS_LIB + " from the class path: " + e.getMessage(), e);
        }
        byte[] patched = ElfSoname.retarget(lib, "libcublas.so.12", "libcublas.so.13");
        Path target = Path.of(System.getProperty("java.io.tmpdir"), JCUBLAS_LIB);
        try {
            if (Files.isRegularFile(target) && java.util.Arrays.equals(Files.readAllBytes(target), patched)) return;
            Path tmp = Files.createTempFile(target.getParent(), JCUBLAS_LIB, ".tmp");
            Files.write(tmp, patched);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the cuBLAS 13 binding to " + target + ": " + e.getMessage(), e);
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
                    if ((line.contains("libcublas") || line.contains("libcuda.so")) && arrow > 0) {
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

    /** nvidia/&lt;pkg&gt;/lib and nvidia/cu13/lib under Python environments (pip's CUDA wheels, PyTorch's). */
    private static List<Path> pythonNvidiaDirs() {
        List<Path> out = new ArrayList<>();
        List<Path> roots = new ArrayList<>(List.of(Path.of("/usr/local/lib"), Path.of("/usr/lib"), Path.of("/opt/conda/lib")));
        String home = System.getProperty("user.home");
        if (home != null) roots.add(Path.of(home, ".local", "lib"));
        for (Path root : roots) {
            if (!Files.isDirectory(root)) continue;
            try (var pys = Files.list(root)) {
                for (Path py : pys.filter(p -> p.getFileName().toString().startsWith("python3")).toList()) {
                    for (String site : new String[] {"site-packages", "dist-packages"}) {
                        Path nv = py.resolve(site).resolve("nvidia");
                        if (!Files.isDirectory(nv)) continue;
                        try (var pkgs = Files.list(nv)) {
                            for (Path pkg : pkgs.toList()) if (Files.isDirectory(pkg.resolve("lib"))) out.add(pkg.resolve("lib"));
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
