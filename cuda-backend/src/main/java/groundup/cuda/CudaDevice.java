package groundup.cuda;

import static groundup.cuda.CudaStatus.check;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;

import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;
import jcuda.jcublas.JCublas2;

/** Probing the machine for what the CUDA backend needs, without creating anything; once per process. */
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

    record Info(String name, int major, int minor, int driverVersion, CudaNatives.Cublas cublas) {
        @Override public String toString() {
            return String.format("%s (compute %d.%d), driver for CUDA %d.%d, cuBLAS %d from %s", name, major, minor,
                    driverVersion / 1000, driverVersion % 1000 / 10, cublas.major(), cublas.dir());
        }
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
            throw new IllegalStateException("the NVIDIA driver supports CUDA " + v[0] / 1000 + "." + v[0] % 1000 / 10
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
            throw new IllegalStateException("JCuda's cuBLAS binding could not load against cuBLAS " + cublas.major() + " in "
                    + cublas.dir() + ": " + rootCause(e));
        }
        return new Info(n, major[0], minor[0], v[0], cublas);
    }
}
