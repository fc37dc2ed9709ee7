package groundup.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the CUDA backend looks for cuBLAS, and which JCublas binding it hands JCuda; no device needed. */
class CudaNativesTest {
    @TempDir Path tmp;

    private static void touch(Path f) throws Exception {
        Files.createDirectories(f.getParent());
        Files.write(f, new byte[] {1});
    }

    /** A venv's python3 is a link to the system's; its own site-packages are found through its prefix, not the link's target. */
    @Test void findsTheCudaWheelsOfAVenvWithoutResolvingItsPython() throws Exception {
        Path venv = tmp.resolve("torch/.venv");
        Files.createDirectories(venv.resolve("bin"));
        Files.createSymbolicLink(venv.resolve("bin/python3"), Path.of("/usr/bin/python3"));
        Path cu13 = venv.resolve("lib/python3.12/site-packages/nvidia/cu13/lib"), cu12 = venv.resolve("lib/python3.12/site-packages/nvidia/cublas/lib");
        touch(cu13.resolve("libcublas.so.13"));
        touch(cu13.resolve("libcublasLt.so.13"));
        touch(cu12.resolve("libcublas.so.12"));                  // no cuBLASLt beside it: not a usable cuBLAS 12
        List<Path> dirs = CudaNatives.pythonNvidiaDirs(List.of(venv));
        assertTrue(dirs.contains(cu13) && dirs.contains(cu12), dirs.toString());
        assertNull(CudaNatives.findCublas(12, dirs), "cuBLAS 12 without its cuBLASLt is not taken");
        assertEquals(cu13, CudaNatives.findCublas(13, dirs));
    }

    @Test void cublasAndCublasLtComeFromOneDirectory() throws Exception {
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        touch(a.resolve("libcublas.so.13"));
        touch(b.resolve("libcublasLt.so.13"));
        assertNull(CudaNatives.findCublas(13, List.of(a, b)), "cuBLAS from one directory, cuBLASLt from another: not taken");
        touch(b.resolve("libcublas.so.13"));
        assertEquals(b, CudaNatives.findCublas(13, List.of(a, b)));
    }

    @Test void anExplicitLibpathIsTheWholeSearch() {
        String old = System.getProperty("groundup.cuda.libpath");
        System.setProperty("groundup.cuda.libpath", tmp + ":" + tmp.resolve("x"));
        try {
            assertEquals(List.of(tmp, tmp.resolve("x")), CudaNatives.searchPath());
        } finally {
            if (old == null) System.clearProperty("groundup.cuda.libpath");
            else System.setProperty("groundup.cuda.libpath", old);
        }
    }

    /** Each cuBLAS major version has its own binding file in a directory of its own; a stale or foreign file is replaced. */
    @Test void eachCublasVersionGetsItsOwnBinding() throws Exception {
        assertNotEquals(CudaNatives.bindingDir(12), CudaNatives.bindingDir(13));
        assertFalse(CudaNatives.bindingDir(13).startsWith(Path.of(System.getProperty("java.io.tmpdir"))), "not the shared temporary directory");
        byte[] shipped;
        try (InputStream in = CudaNatives.class.getResourceAsStream("/lib/" + CudaNatives.JCUBLAS_LIB)) {
            shipped = in.readAllBytes();
        }
        Path f12 = tmp.resolve("12").resolve(CudaNatives.JCUBLAS_LIB), f13 = tmp.resolve("13").resolve(CudaNatives.JCUBLAS_LIB);
        Files.createDirectories(f12.getParent());
        Files.createDirectories(f13.getParent());
        Files.write(f12, ElfSoname.retarget(shipped, "libcublas.so.12", "libcublas.so.13"));   // a 13 binding where 12 belongs
        CudaNatives.writeBinding(f12, 12);
        CudaNatives.writeBinding(f13, 13);
        assertArrayEquals(shipped, Files.readAllBytes(f12), "cuBLAS 12: the binding as shipped, the foreign file replaced");
        assertArrayEquals(ElfSoname.retarget(shipped, "libcublas.so.12", "libcublas.so.13"), Files.readAllBytes(f13));
    }
}
