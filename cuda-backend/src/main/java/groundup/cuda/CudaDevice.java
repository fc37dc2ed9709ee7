package groundup.cuda;

import static groundup.cuda.CudaStatus.check;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasStatus;
import jcuda.libraryPropertyType;

/**
 * Probing the machine for what the CUDA backend needs, once per process: the libraries, the
 * device, a driver new enough for the cuBLAS found, and that the three work together
 * ({@link UsabilityProbe}: a context, our kernels, a cuBLAS handle and one small GEMM).
 */
final class CudaDevice {
    private static Info info;
    private static RuntimeException failure;

    private CudaDevice() {}

    /**
     * What {@link #probe} found, probing on the first call only: the probe starts ldconfig and
     * reads the 1.6 MB JNI library, and its outcome cannot change within a process (a JNI
     * library that failed to load stays unloaded).
     */
    static synchronized Info info() {
        if (info == null && failure == null) {
            try {
                info = probe();
            } catch (RuntimeException e) {
                failure = e;
            } catch (LinkageError e) {
                failure = new IllegalStateException("a CUDA library could not be loaded: " + e.getMessage(), e);
            }
        }
        if (failure != null) throw failure;
        return info;
    }

    record Info(String name, int major, int minor, int driverVersion, String driverPath, CudaNatives.Cublas cublas, String cublasVersion) {
        @Override public String toString() {
            return String.format("%s (compute %d.%d), driver for CUDA %s (%s), cuBLAS %s from %s (%s)", name, major, minor,
                    cudaVersion(driverVersion), driverPath, cublasVersion, cublas.dir(), cublas.nodes());
        }
    }

    /** 12080 -> "12.8", as the driver encodes CUDA versions. */
    static String cudaVersion(int v) { return v / 1000 + "." + v % 1000 / 10; }

    /**
     * Null if a driver for CUDA driverVersion runs the cuBLAS found, else the reason naming both
     * and where they are: cuBLAS N (its runtime) needs a driver for CUDA N.0 or newer.
     */
    static String driverTooOld(int driverVersion, String driverPath, CudaNatives.Cublas cublas, String cublasVersion) {
        if (driverVersion / 1000 >= cublas.major()) return null;
        return "the NVIDIA driver is too old for the cuBLAS found: the driver (" + driverPath + ") supports CUDA " + cudaVersion(driverVersion)
                + ", and cuBLAS " + cublasVersion + " (" + realPath(cublas.library()) + ") needs a driver for CUDA " + cublas.major()
                + ".0 or newer. Install cuBLAS " + driverVersion / 1000 + " (a CUDA " + driverVersion / 1000 + " toolkit, or pip's nvidia-cublas-cu"
                + driverVersion / 1000 + " wheel) and name its directory in -Dgroundup.cuda.libpath, or update the driver";
    }

    private static String realPath(Path p) {
        try {
            return p.toRealPath().toString();
        } catch (IOException e) {
            return p.toString();
        }
    }

    /** The file of the loaded library whose name starts with prefix ("libcuda.so"), from /proc/self/maps; else prefix. */
    static String loadedLibrary(String prefix) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash < 0) continue;
                String path = line.substring(slash).trim();
                if (Path.of(path).getFileName().toString().startsWith(prefix)) return path;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or unreadable: the name alone
        }
        return prefix;
    }

    /** cuBLAS's own version, "13.0.2" (cublasGetProperty, no handle needed), else its major version from the file name. */
    private static String cublasVersion(CudaNatives.Cublas cublas) {
        int[] v = new int[3], one = new int[1];
        int[] kinds = {libraryPropertyType.MAJOR_VERSION, libraryPropertyType.MINOR_VERSION, libraryPropertyType.PATCH_LEVEL};
        for (int i = 0; i < 3; i++) {
            if (JCublas2.cublasGetProperty(kinds[i], one) != cublasStatus.CUBLAS_STATUS_SUCCESS) return String.valueOf(cublas.major());
            v[i] = one[0];
        }
        return v[0] + "." + v[1] + "." + v[2];
    }

    /**
     * The line of JCuda's long load report that says what the dynamic loader missed, e.g.
     * "libcuda.so.1: cannot open shared object file: No such file or directory".
     */
    static String rootCause(Throwable e) {
        String msg = String.valueOf(e.getMessage());
        for (String line : msg.split("\n")) {
            if (line.contains("cannot open shared object file") || line.contains("version `") || line.contains("undefined symbol")) {
                String t = line.trim();
                int so = t.indexOf(".so: ");                 // drop "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-...so: "
                return so >= 0 ? t.substring(so + 5) : t;
            }
        }
        return msg.lines().findFirst().orElse(msg);
    }

    /** Throws IllegalStateException (or LinkageError) naming the first missing piece. */
    private static Info probe() {
        int r;
        try {
            r = cuInit(0);     // loads JCudaDriver's JNI library, which needs libcuda.so.1
        } catch (UnsatisfiedLinkError e) {
            throw new IllegalStateException("no NVIDIA driver: JCuda's driver binding could not load (" + rootCause(e) + ")");
        }
        if (r == CUresult.CUDA_ERROR_NO_DEVICE) throw new IllegalStateException("the NVIDIA driver found no CUDA device");
        if (r != CUresult.CUDA_SUCCESS) throw new IllegalStateException("cuInit failed: " + CUresult.stringFor(r));
        int[] v = new int[1];
        check(cuDriverGetVersion(v), "cuDriverGetVersion");
        if (v[0] < 12000) {
            throw new IllegalStateException("the NVIDIA driver (" + loadedLibrary("libcuda.so") + ") supports CUDA " + cudaVersion(v[0])
                    + "; GroundUp's kernels need a driver for CUDA 12.0 or newer (525+)");
        }
        int[] count = new int[1];
        check(cuDeviceGetCount(count), "cuDeviceGetCount");
        if (count[0] == 0) throw new IllegalStateException("the NVIDIA driver found no CUDA device");
        CUdevice dev = new CUdevice();
        check(cuDeviceGet(dev, 0), "cuDeviceGet");
        int[] major = new int[1], minor = new int[1];
        check(cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev), "cuDeviceGetAttribute");
        check(cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev), "cuDeviceGetAttribute");
        byte[] name = new byte[256];
        check(cuDeviceGetName(name, name.length, dev), "cuDeviceGetName");
        int len = 0;
        while (len < name.length && name[len] != 0) len++;
        String n = new String(name, 0, len, java.nio.charset.StandardCharsets.US_ASCII);
        if (major[0] * 10 + minor[0] < 75) {
            throw new IllegalStateException(n + " has compute capability " + major[0] + "." + minor[0] + "; GroundUp needs 7.5 (Turing) or newer");
        }
        CudaNatives.Cublas cublas = CudaNatives.prepareCublas();
        try {
            // loads JCublas2's JNI library, the one for this cuBLAS, against the cuBLAS just loaded
            CudaNatives.withCublasBinding(cublas, () -> {
                JCublas2.setExceptionsEnabled(false);
                return null;
            });
        } catch (UnsatisfiedLinkError e) {
            throw new IllegalStateException("JCuda's cuBLAS binding could not load against " + cublas + ": " + rootCause(e));
        }
        String driverPath = loadedLibrary("libcuda.so"), cublasVersion = cublasVersion(cublas);
        String tooOld = driverTooOld(v[0], driverPath, cublas, cublasVersion);
        if (tooOld != null) throw new IllegalStateException(tooOld);
        try {
            UsabilityProbe.run(dev);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("CUDA loads but does not work here (driver for CUDA " + cudaVersion(v[0]) + " at " + driverPath
                    + ", cuBLAS " + cublasVersion + " from " + cublas.dir() + "): " + e.getMessage(), e);
        }
        return new Info(n, major[0], minor[0], v[0], driverPath, cublas, cublasVersion);
    }
}
