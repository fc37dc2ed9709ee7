package groundup.data;

import groundup.errors.FileAccessException;
import groundup.errors.InvalidFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.nio.file.StandardOpenOption;

/**
 * Reads the IDX files MNIST ships in: a big-endian magic 0x0000_08_0D (unsigned bytes, D
 * dimensions), D big-endian int32 sizes, then the bytes. Every claim of the header is
 * checked against the file's length before anything is allocated, so a corrupt header can
 * neither exhaust memory nor read past the end.
 */
public final class IdxReader {
    private IdxReader() {}

    /** The dimensions and the payload of an IDX file of unsigned bytes, and the SHA-256 of the whole file as read (hex). */
    public record Idx(int[] dims, byte[] data, String sha256) {}

    /** An {@link InvalidFileException} for bad bytes, a {@link FileAccessException} ("reading FILE: cause") for the file system's refusals. */
    public static Idx read(Path file, int expectedDims) throws IOException {
        try {
            return readChecked(file, expectedDims);
        } catch (InvalidFileException e) {
            throw e;
        } catch (IOException e) {
            throw new FileAccessException("reading", file, e);
        }
    }

    private static Idx readChecked(Path file, int expectedDims) throws IOException {
        if (Files.isDirectory(file)) throw new InvalidFileException(file, "is a directory, not an IDX file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 4) throw new InvalidFileException(file, "too short for an IDX header (" + size + " bytes)");
            ByteBuffer head = ByteBuffer.allocate(4 + 4 * expectedDims);
            readFully(ch, head, file);
            int magic = head.getInt(0);
            if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xFF) != 0x08) {
                throw new InvalidFileException(file, String.format("not an IDX file of unsigned bytes (magic 0x%08X)", magic));
            }
            int dimsInFile = magic & 0xFF;
            if (dimsInFile != expectedDims) {
                throw new InvalidFileException(file, "has " + dimsInFile + " dimensions, expected " + expectedDims
                        + String.format(" (magic 0x%08X)", magic));
            }
            if (size < 4 + 4L * expectedDims) throw new InvalidFileException(file, "truncated inside its header");
            int[] dims = new int[expectedDims];
            long payload = 1;
            for (int i = 0; i < expectedDims; i++) {
                dims[i] = head.getInt(4 + 4 * i);
                if (dims[i] <= 0) throw new InvalidFileException(file, "dimension " + i + " is " + dims[i]);
                payload *= dims[i];
                if (payload > Integer.MAX_VALUE - 8) throw new InvalidFileException(file, "claims more than 2^31 bytes of data");
            }
            long expected = 4 + 4L * expectedDims + payload;
            if (size != expected) {
                throw new InvalidFileException(file, (size < expected ? "truncated: " : "has trailing bytes: ") + size
                        + " bytes, the header " + java.util.Arrays.toString(dims) + " needs " + expected);
            }
            ByteBuffer data = ByteBuffer.allocate((int) payload);
            readFully(ch, data, file);
            MessageDigest md = sha256();
            md.update(head.array(), 0, head.capacity());
            md.update(data.array());
            return new Idx(dims, data.array(), HexFormat.of().formatHex(md.digest()));
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);      // every Java has it
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, Path file) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) throw new InvalidFileException(file, "truncated");
        }
    }
}
