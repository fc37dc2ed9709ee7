package groundup.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The retargeting of JCublas2's JNI library to cuBLAS 13, checked on the real library from the natives jar. */
class ElfSonameTest {
    @TempDir Path dir;

    private static byte[] jcublas() throws Exception {
        try (InputStream in = ElfSonameTest.class.getResourceAsStream("/lib/" + CudaNatives.JCUBLAS_LIB)) {
            assertTrue(in != null, "the jcublas natives jar is on the test class path");
            return in.readAllBytes();
        }
    }

    private static int count(byte[] b, String s) {
        byte[] t = (s + "\0").getBytes(StandardCharsets.US_ASCII);
        int n = 0;
        outer:
        for (int i = 0; i + t.length <= b.length; i++) {
            for (int j = 0; j < t.length; j++) if (b[i + j] != t[j]) continue outer;
            n++;
        }
        return n;
    }

    @Test void retargetsTheNeededLibraryAndItsVersionHash() throws Exception {
        byte[] lib = jcublas();
        assertTrue(count(lib, "libcublas.so.12") > 0, "the shipped binding needs libcublas.so.12");
        byte[] out = ElfSoname.retarget(lib, "libcublas.so.12", "libcublas.so.13");
        assertEquals(lib.length, out.length);
        // the full symbol table (.strtab) keeps "name@libcublas.so.12" labels, which the loader never reads;
        // the dynamic string table, which it does read, must have changed
        assertTrue(count(out, "libcublas.so.13") > 0);
        // every version requirement's hash must be the ELF hash of its (new) name
        ByteBuffer bb = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = bb.getLong(0x28);
        int shentsize = bb.getShort(0x3A) & 0xFFFF, shnum = bb.getShort(0x3C) & 0xFFFF, checked = 0;
        for (int s = 0; s < shnum; s++) {
            int sh = (int) (shoff + (long) s * shentsize);
            if (bb.getInt(sh + 4) != 0x6FFFFFFE) continue;
            int strtab = (int) (shoff + (long) bb.getInt(sh + 40) * shentsize), strOff = (int) bb.getLong(strtab + 24);
            int strSize = (int) bb.getLong(strtab + 32);
            byte[] dynstr = java.util.Arrays.copyOfRange(out, strOff, strOff + strSize);
            assertEquals(0, count(dynstr, "libcublas.so.12"), "the dynamic string table no longer names cuBLAS 12");
            assertEquals(1, count(dynstr, "libcublas.so.13"), "it names cuBLAS 13 once (DT_NEEDED and version share it)");
            int p = (int) bb.getLong(sh + 24);
            while (true) {
                int cnt = bb.getShort(p + 2) & 0xFFFF, a = p + bb.getInt(p + 8);
                for (int k = 0; k < cnt; k++) {
                    assertEquals(ElfSoname.elfHash(out, strOff + bb.getInt(a + 8)), bb.getInt(a), "hash of version requirement " + k);
                    checked++;
                    if (bb.getInt(a + 12) == 0) break;
                    a += bb.getInt(a + 12);
                }
                if (bb.getInt(p + 12) == 0) break;
                p += bb.getInt(p + 12);
            }
        }
        assertTrue(checked > 0, "the library has version requirements");
        // where binutils is installed, readelf must see the new requirement too
        Path f = dir.resolve("patched.so");
        Files.write(f, out);
        try {
            Process p = new ProcessBuilder("readelf", "-d", "-V", f.toString()).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            assumeTrue(p.exitValue() == 0, "readelf not usable");
            assertTrue(text.contains("[libcublas.so.13]") && text.contains("Name: libcublas.so.13") && !text.contains("[libcublas.so.12]"), text);
        } catch (java.io.IOException e) {
            assumeTrue(false, "readelf not installed: " + e.getMessage());
        }
    }

    @Test void refusesWhatItCannotPatch() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> ElfSoname.retarget(new byte[100], "libcublas.so.12", "libcublas.so.13"));
        assertThrows(IllegalArgumentException.class, () -> ElfSoname.retarget(jcublas(), "libcublas.so.12", "libcublas.so.1234"));
        assertThrows(IllegalArgumentException.class, () -> ElfSoname.retarget(jcublas(), "libnothere.so.1", "libnothere.so.2"));
    }
}
