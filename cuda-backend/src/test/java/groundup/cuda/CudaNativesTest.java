package groundup.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

    /** A shared library built by g++ defining these symbol version nodes (a version script), or none; skips without g++. */
    private Path library(String fileName, String... nodes) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("lib-" + fileName + "-" + nodes.length + "-" + String.join("-", nodes)));
        StringBuilder src = new StringBuilder("extern \"C\" int cublasCreate_v2(void) { return 0; }\n"), map = new StringBuilder();
        for (int i = 0; i < nodes.length; i++) {
            src.append("extern \"C\" int node").append(i).append("_fn(void) { return ").append(i).append("; }\n");
            map.append(nodes[i]).append(" { global: node").append(i).append("_fn;").append(i == 0 ? " cublas*; local: *;" : "").append(" };\n");
        }
        Files.writeString(dir.resolve("lib.cpp"), src);
        Files.writeString(dir.resolve("lib.map"), map);
        List<String> cmd = new java.util.ArrayList<>(List.of("g++", "-shared", "-fPIC", "-o", dir.resolve(fileName).toString(),
                "-Wl,-soname," + fileName, dir.resolve("lib.cpp").toString()));
        if (nodes.length > 0) cmd.add("-Wl,--version-script=" + dir.resolve("lib.map"));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            assumeTrue(false, "g++ is not installed: " + e.getMessage());
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "g++: " + out);
        return dir.resolve(fileName);
    }

    /** The nodes readelf -V lists under "Version definition section", without the base entry (the soname). */
    @Test void versionDefinitionsAreReadFromTheLibrary() throws Exception {
        assertEquals(List.of("libcublas.so.13"), ElfSoname.versionDefinitions(library("libcublas.so.13", "libcublas.so.13")));
        assertEquals(List.of("CUBLAS_13.0", "CUBLAS_13.1"), ElfSoname.versionDefinitions(library("libcublas.so.13", "CUBLAS_13.0", "CUBLAS_13.1")));
        assertEquals(List.of(), ElfSoname.versionDefinitions(library("libcublas.so.13")), "unversioned");
        assertThrows(IllegalArgumentException.class, () -> ElfSoname.versionDefinitions(java.nio.ByteBuffer.wrap(new byte[100])));
    }

    @Test void theBindingNeedsItsVersionNodeOrAnUnversionedLibrary() {
        assertNull(CudaNatives.versionNodeProblem(13, List.of("libcublas.so.13")));
        assertNull(CudaNatives.versionNodeProblem(12, List.of("libcublas.so.12")));
        assertNull(CudaNatives.versionNodeProblem(13, List.of()), "unversioned: the loader binds any requested version");
        String p = CudaNatives.versionNodeProblem(13, List.of("CUBLAS_13.0"));
        assertTrue(p != null && p.contains("[CUBLAS_13.0], not libcublas.so.13"), p);
        assertTrue(CudaNatives.versionNodeProblem(12, List.of("libcublas.so.13")) != null, "cuBLAS 12's binding asks for libcublas.so.12");
    }

    /** A cuBLAS whose version node the binding would not find is refused, before anything is loaded, saying which nodes it has. */
    @Test void aCublasWithAnotherVersionNodeIsRefused() throws Exception {
        Path lib = library("libcublas.so.13", "CUBLAS_13.0");
        Files.copy(library("libcublasLt.so.13"), lib.resolveSibling("libcublasLt.so.13"));
        String old = System.getProperty("groundup.cuda.libpath");
        System.setProperty("groundup.cuda.libpath", lib.getParent().toString());
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, CudaNatives::prepareCublas);
            assertEquals("no usable cuBLAS: " + lib + ": it defines the symbol version nodes [CUBLAS_13.0], not libcublas.so.13, which JCuda's "
                    + "cuBLAS binding, retargeted to it, asks for", e.getMessage());
        } finally {
            if (old == null) System.clearProperty("groundup.cuda.libpath");
            else System.setProperty("groundup.cuda.libpath", old);
        }
    }
}
