package groundup.cuda;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadDataJIT;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.JITOptions;

/**
 * Our kernels (kernels.cu, shipped as kernels.ptx): the module, its functions, and a launch
 * that checks its arguments against the kernel's parameter list as the PTX declares it (count
 * and bytes of each). The driver cannot check that: it reads as many bytes as the kernel
 * declares from whatever each argument pointer points at, so a wrong argument list becomes
 * garbage on the GPU; here it is an error naming the kernel and both lists. A module that does
 * not load says why in the JIT compiler's own words (its error log).
 */
final class CudaKernels implements AutoCloseable {
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)"),
            PARAM = Pattern.compile("\\.param\\s+\\.([a-z]+)(\\d+)\\s");
    /** Room for the JIT's error log: ptxas names the line and the instruction of each error. */
    private static final int JIT_LOG_BYTES = 16 << 10;
    private static byte[] ptx;
    private static Map<String, int[]> signatures;

    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final Map<String, int[]> declared = signatures();
    private boolean loaded;

    /** Loads the module into the current context. */
    CudaKernels() {
        load(module, ptx(), "kernels.ptx");
        loaded = true;
    }

    /**
     * Loads a NUL-terminated PTX image into module (cuModuleLoadDataEx); if the driver refuses it,
     * throws IllegalStateException with the status and the JIT's error log (CU_JIT_ERROR_LOG_BUFFER).
     */
    static void load(CUmodule module, byte[] image, String what) {
        JITOptions jit = new JITOptions();
        jit.putBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER, new byte[JIT_LOG_BYTES]);
        jit.putInt(CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, JIT_LOG_BYTES);
        int r = cuModuleLoadDataJIT(module, Pointer.to(image), jit);
        if (r == CUresult.CUDA_SUCCESS) return;
        String log = jit.getString(CUjit_option.CU_JIT_ERROR_LOG_BUFFER);
        log = log == null ? "" : log.strip();
        throw new IllegalStateException("CUDA cuModuleLoadDataEx (" + what + ") failed: " + CUresult.stringFor(r)
                + (log.isEmpty() ? " (the JIT left no error log)" : "; the JIT's error log:\n" + log));
    }

    /** The shipped PTX, NUL-terminated for the driver; read once per process. */
    static synchronized byte[] ptx() {
        if (ptx == null) {
            try (InputStream in = CudaKernels.class.getResourceAsStream("/groundup/cuda/kernels.ptx")) {
                if (in == null) throw new IllegalStateException("kernels.ptx is missing from the cuda-backend jar");
                byte[] text = in.readAllBytes();
                ptx = Arrays.copyOf(text, text.length + 1);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read kernels.ptx: " + e.getMessage(), e);
            }
        }
        return ptx;
    }

    /** Each kernel's parameters as the PTX declares them, in bytes (".param .u64" is 8). */
    static synchronized Map<String, int[]> signatures() {
        if (signatures == null) signatures = parse(new String(ptx(), 0, ptx().length - 1, StandardCharsets.US_ASCII));
        return signatures;
    }

    static Map<String, int[]> parse(String ptxText) {
        Map<String, int[]> out = new LinkedHashMap<>();
        Matcher e = ENTRY.matcher(ptxText);
        while (e.find()) {
            Matcher p = PARAM.matcher(e.group(2) + " ");
            int[] bytes = new int[0];
            while (p.find()) {
                bytes = Arrays.copyOf(bytes, bytes.length + 1);
                bytes[bytes.length - 1] = Integer.parseInt(p.group(2)) / 8;
            }
            out.put(e.group(1), bytes);
        }
        return out;
    }

    private CUfunction function(String name) {
        CUfunction fn = functions.get(name);
        if (fn == null) {
            fn = new CUfunction();
            CudaStatus.check(cuModuleGetFunction(fn, module, name), "cuModuleGetFunction(" + name + ")");
            functions.put(name, fn);
        }
        return fn;
    }

    /** Launches name on a (gx, gy) grid of blocks of `block` threads, after checking args against its PTX parameters. */
    void launch(String name, int gx, int gy, int block, CUstream stream, String op, Args args) {
        int[] params = declared.get(name);
        if (params == null) throw new IllegalStateException(op + ": kernels.ptx has no kernel '" + name + "'");
        if (!Arrays.equals(params, 0, params.length, args.bytes, 0, args.n)) {      // no copy: this runs on every launch
            throw new IllegalStateException(op + ": kernel " + name + " takes parameters of " + Arrays.toString(params)
                    + " bytes, the launch passes " + Arrays.toString(Arrays.copyOf(args.bytes, args.n)));
        }
        int r = cuLaunchKernel(function(name), gx, gy, 1, block, 1, 1, 0, stream, Pointer.to(Arrays.copyOf(args.values, args.n)), null);
        if (r != CUresult.CUDA_SUCCESS) throw new IllegalStateException(op + ": launching " + name + " failed: " + CUresult.stringFor(r));
    }

    @Override public void close() {
        if (!loaded) return;
        loaded = false;
        CudaStatus.check(cuModuleUnload(module), "cuModuleUnload");
    }

    /** A kernel's arguments with their sizes, in order: {@code args().ptr(x).i64(n).f32(v)}. */
    static final class Args {
        private Pointer[] values = new Pointer[16];
        private int[] bytes = new int[16];
        private int n;

        private Args add(Pointer p, int size) {
            if (n == values.length) {
                values = Arrays.copyOf(values, 2 * n);
                bytes = Arrays.copyOf(bytes, 2 * n);
            }
            values[n] = p;
            bytes[n++] = size;
            return this;
        }

        /** A device pointer (.u64). */
        Args ptr(CUdeviceptr p) { return add(Pointer.to(p), 8); }

        /** An int (.u32/.s32). */
        Args i32(int v) { return add(Pointer.to(new int[] {v}), 4); }

        /** A long long (.u64/.s64). */
        Args i64(long v) { return add(Pointer.to(new long[] {v}), 8); }

        /** A float (.f32). */
        Args f32(float v) { return add(Pointer.to(new float[] {v}), 4); }
    }

    static Args args() { return new Args(); }
}
