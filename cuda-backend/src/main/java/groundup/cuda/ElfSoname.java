package groundup.cuda;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Retargets an ELF64 little-endian shared library from one dependency soname to another of
 * the same length (libcublas.so.12 to libcublas.so.13): rewrites the string in the dynamic
 * string table, which the DT_NEEDED entry and the symbol-version requirement share, and
 * recomputes the ELF hash of every version requirement so the loader looks for the new
 * version node. Only valid where the new library exports every function the old one did
 * (cuBLAS 13 still exports all 494 that JCublas2 imports). A Java port of the team's
 * shared/tools/retarget-soname.py, so users need no Python.
 *
 * <p>The retargeted library asks for the version node named like the new soname; whether the
 * cuBLAS found defines it is read from that library ({@link #versionDefinitions}), not assumed.
 */
final class ElfSoname {
    private static final int SHT_STRTAB = 3, SHT_GNU_VERDEF = 0x6FFFFFFD, SHT_GNU_VERNEED = 0x6FFFFFFE, VER_FLG_BASE = 1;

    private ElfSoname() {}

    /** The patched copy; throws IllegalArgumentException if lib is not ELF64 LE or has no old. */
    static byte[] retarget(byte[] lib, String oldName, String newName) {
        byte[] old = oldName.getBytes(StandardCharsets.US_ASCII), neu = newName.getBytes(StandardCharsets.US_ASCII);
        if (old.length != neu.length) throw new IllegalArgumentException(oldName + " and " + newName + " differ in length");
        if (lib.length < 64 || lib[0] != 0x7F || lib[1] != 'E' || lib[2] != 'L' || lib[3] != 'F' || lib[4] != 2 || lib[5] != 1) {
            throw new IllegalArgumentException("not an ELF64 little-endian file");
        }
        byte[] b = lib.clone();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = bb.getLong(0x28);
        int shentsize = bb.getShort(0x3A) & 0xFFFF, shnum = bb.getShort(0x3C) & 0xFFFF;
        int strtabIndex = -1;
        int[] verneed = new int[shnum];
        int nVerneed = 0;
        for (int i = 0; i < shnum; i++) {
            int s = (int) (shoff + (long) i * shentsize);
            int type = bb.getInt(s + 4);
            if (type == SHT_GNU_VERNEED) {
                verneed[nVerneed++] = s;
                if (strtabIndex < 0) strtabIndex = bb.getInt(s + 40);      // sh_link: the string table it names into
            }
        }
        if (strtabIndex < 0) {                                               // no versioning: the first string table
            for (int i = 0; i < shnum && strtabIndex < 0; i++) {
                if (bb.getInt((int) (shoff + (long) i * shentsize) + 4) == SHT_STRTAB) strtabIndex = i;
            }
        }
        int st = (int) (shoff + (long) strtabIndex * shentsize);
        int off = (int) bb.getLong(st + 24), size = (int) bb.getLong(st + 32);
        int count = 0;
        for (int i = off; i + old.length < off + size; i++) {
            if (matches(b, i, old) && b[i + old.length] == 0 && (i == off || b[i - 1] == 0)) {
                System.arraycopy(neu, 0, b, i, neu.length);
                count++;
            }
        }
        if (count == 0) throw new IllegalArgumentException(oldName + " not found in the dynamic string table");
        for (int v = 0; v < nVerneed; v++) {
            int p = (int) bb.getLong(verneed[v] + 24);                        // sh_offset
            while (true) {
                int cnt = bb.getShort(p + 2) & 0xFFFF, aux = bb.getInt(p + 8), next = bb.getInt(p + 12);
                int a = p + aux;
                for (int k = 0; k < cnt; k++) {
                    int name = bb.getInt(a + 8), anext = bb.getInt(a + 12);
                    bb.putInt(a, elfHash(b, off + name));
                    if (anext == 0) break;
                    a += anext;
                }
                if (next == 0) break;
                p += next;
            }
        }
        return b;
    }

    /**
     * The version nodes a shared library defines (its SHT_GNU_verdef section, what {@code readelf -V}
     * lists under "Version definition section"), without the base entry that only repeats the
     * soname; empty for an unversioned library. Throws IllegalArgumentException if the file is not
     * ELF64 little-endian or its version section runs past the end.
     */
    static List<String> versionDefinitions(ByteBuffer elf) {
        ByteBuffer bb = elf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (bb.limit() < 64 || bb.get(0) != 0x7F || bb.get(1) != 'E' || bb.get(2) != 'L' || bb.get(3) != 'F' || bb.get(4) != 2 || bb.get(5) != 1) {
            throw new IllegalArgumentException("not an ELF64 little-endian file");
        }
        long shoff = bb.getLong(0x28);
        int shentsize = bb.getShort(0x3A) & 0xFFFF, shnum = bb.getShort(0x3C) & 0xFFFF;
        List<String> out = new ArrayList<>();
        try {
            for (int i = 0; i < shnum; i++) {
                int s = (int) (shoff + (long) i * shentsize);
                if (bb.getInt(s + 4) != SHT_GNU_VERDEF) continue;
                int strtab = (int) (shoff + (long) bb.getInt(s + 40) * shentsize);   // sh_link: the string table of the names
                int strOff = (int) bb.getLong(strtab + 24);
                int p = (int) bb.getLong(s + 24);
                for (int n = bb.getInt(s + 44); n > 0; n--) {                           // sh_info: the number of entries
                    // Elf64_Verdef: vd_version, vd_flags, vd_ndx, vd_cnt (2 bytes each), vd_hash, vd_aux, vd_next (4 each)
                    int flags = bb.getShort(p + 2) & 0xFFFF, aux = bb.getInt(p + 12), next = bb.getInt(p + 16);
                    if ((flags & VER_FLG_BASE) == 0) out.add(cString(bb, strOff + bb.getInt(p + aux)));   // Elf64_Verdaux: vda_name
                    if (next == 0) break;
                    p += next;
                }
            }
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("its version definitions run past the end of the file");
        }
        return out;
    }

    /** {@link #versionDefinitions(ByteBuffer)} of a file, read through a mapping (cuBLAS is some hundred MB). */
    static List<String> versionDefinitions(Path lib) throws IOException {
        try (FileChannel ch = FileChannel.open(lib)) {
            return versionDefinitions(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()));
        }
    }

    private static String cString(ByteBuffer bb, int at) {
        int end = at;
        while (bb.get(end) != 0) end++;
        byte[] s = new byte[end - at];
        bb.get(at, s);
        return new String(s, StandardCharsets.US_ASCII);
    }

    private static boolean matches(byte[] b, int at, byte[] s) {
        for (int j = 0; j < s.length; j++) if (b[at + j] != s[j]) return false;
        return true;
    }

    /** The System V ELF hash of the NUL-terminated string at b[at]. */
    static int elfHash(byte[] b, int at) {
        long h = 0;
        for (int i = at; b[i] != 0; i++) {
            h = ((h << 4) + (b[i] & 0xFF)) & 0xFFFFFFFFL;
            long g = h & 0xF0000000L;
            if (g != 0) h ^= g >>> 24;
            h &= ~g & 0xFFFFFFFFL;
        }
        return (int) h;
    }
}
