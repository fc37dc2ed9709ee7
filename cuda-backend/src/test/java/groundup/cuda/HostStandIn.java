package groundup.cuda;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test fixture: where no NVIDIA driver is installed, the CUDA tests run on a host stand-in for
 * the driver and cuBLAS (src/test/native/standin, built here with g++ into
 * target/cuda-standin): JCuda's own JNI libraries load it in place of libcuda.so.1 and
 * libcublas.so.13, and the backend's Java code runs unchanged on it, kernels.cu compiled for
 * the host with CUDA's block and thread semantics. Where a driver is installed, the stand-in is
 * never built or loaded: the tests run on the GPU.
 *
 * <p>{@code -Dgroundup.cuda.standin=off} turns it off (the CUDA tests then skip without a GPU).
 * It must be installed before anything touches JCuda in this JVM: the stand-in is loaded by
 * absolute path, so JCuda's driver binding (which needs "libcuda.so.1") links to it, and
 * {@code groundup.cuda.libpath} points cuBLAS's search at it alone.
 */
final class HostStandIn {
    private static final Path SOURCES = Path.of("src/test/native/standin"), KERNELS = Path.of("src/main/cuda/kernels.cu");
    static final Path DIR = Path.of("target/cuda-standin").toAbsolutePath();
    private static String state;          // null: not tried; "": CUDA tests can run; else why they cannot
    private static boolean active;        // the stand-in, not a GPU, is what JCuda talks to in this JVM

    private HostStandIn() {}

    /** True once the stand-in is what JCuda talks to in this JVM. */
    static synchronized boolean active() { return active; }

    /**
     * Installs the stand-in where no driver is present. Returns null when CUDA tests can run
     * (on the stand-in or on a real GPU), else the reason they cannot.
     */
    static synchronized String installIfNoDriver() {
        if (state != null) return state.isEmpty() ? null : state;
        state = install();
        return state.isEmpty() ? null : state;
    }

    private static String install() {
        if ("off".equals(System.getProperty("groundup.cuda.standin"))) return "";     // real driver or skip, as before
        String driver = realDriver();
        if (driver != null) {
            System.out.println("[HostStandIn] an NVIDIA driver is installed (" + driver + "): the CUDA tests run on the GPU");
            return "";
        }
        if (!"x86_64".equals(arch())) return "the CUDA host stand-in runs on Linux x86-64 only (JCuda's natives), not " + arch();
        try {
            build();
        } catch (IOException | InterruptedException | IllegalStateException e) {
            return "no NVIDIA driver here and the CUDA host stand-in could not be built: " + e.getMessage();
        }
        System.setProperty("groundup.cuda.libpath", DIR.toString());
        System.load(DIR.resolve("libcuda.so.1").toString());
        active = true;
        System.out.println("[HostStandIn] no NVIDIA driver here: the CUDA tests run on the host stand-in in " + DIR);
        return "";
    }

    private static String arch() {
        String a = System.getProperty("os.arch", "");
        return a.equals("amd64") ? "x86_64" : a;
    }

    /** The path of an installed libcuda.so.1 the dynamic loader would find, or null. */
    static String realDriver() {
        List<Path> dirs = new ArrayList<>();
        String env = System.getenv("LD_LIBRARY_PATH");
        if (env != null) for (String d : env.split(":")) if (!d.isBlank()) dirs.add(Path.of(d));
        for (String d : new String[] {"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu", "/lib64",
            "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/usr/lib/wsl/lib"}) dirs.add(Path.of(d));
        for (Path d : dirs) {
            if (d.toAbsolutePath().startsWith(DIR)) continue;
            if (Files.exists(d.resolve("libcuda.so.1"))) return d.resolve("libcuda.so.1").toString();
        }
        try {
            Process p = new ProcessBuilder("/sbin/ldconfig", "-p").redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes());
            p.waitFor(10, TimeUnit.SECONDS);
            for (String line : text.split("\n")) {
                if (line.trim().startsWith("libcuda.so.1 ") && line.contains("=> ")) return line.substring(line.indexOf("=> ") + 3).trim();
            }
        } catch (IOException | InterruptedException e) {
            // no ldconfig: the directories above were the search
        }
        return null;
    }

    /** Builds the stand-in with build.sh when a source is newer than the libraries. */
    private static void build() throws IOException, InterruptedException {
        Path lib = DIR.resolve("libcublas.so.13");
        if (Files.isRegularFile(lib)) {
            long built = Files.getLastModifiedTime(lib).toMillis();
            boolean stale = Files.getLastModifiedTime(KERNELS).toMillis() > built;
            try (var files = Files.list(SOURCES)) {
                for (Path f : files.toList()) stale |= Files.getLastModifiedTime(f).toMillis() > built;
            }
            if (!stale) return;
        }
        Process p = new ProcessBuilder("bash", SOURCES.resolve("build.sh").toString(), KERNELS.toString(), DIR.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("build.sh took over 300 s");
        }
        if (p.exitValue() != 0) {
            String last = out.lines().reduce("", (a, b) -> b.isBlank() ? a : b);
            throw new IllegalStateException("build.sh failed (exit " + p.exitValue() + "): " + last + (p.exitValue() == 127 ? " (is g++ installed?)" : ""));
        }
    }
}
