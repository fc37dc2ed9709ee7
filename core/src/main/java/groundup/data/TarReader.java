package groundup.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Just enough of the ustar format to read files out of an npm tarball. */
final class TarReader {
    record Entry(String name, long size) {}

    private final InputStream in;
    private long remaining, padding;

    TarReader(InputStream in) { this.in = in; }

    /** The next regular file, or null at the end. */
    Entry next() throws IOException {
        while (true) {
            in.skipNBytes(remaining + padding);
            remaining = padding = 0;
            byte[] h = in.readNBytes(512);
            if (h.length < 512) return null;
            boolean empty = true;
            for (byte x : h) if (x != 0) { empty = false; break; }
            if (empty) return null;
            String name = field(h, 0, 100), prefix = field(h, 345, 155);
            long size = Long.parseLong(field(h, 124, 12).trim().isEmpty() ? "0" : field(h, 124, 12).trim(), 8);
            if (size < 0) throw new IOException("corrupt tar header for " + name);
            char type = (char) h[156];
            remaining = size;
            padding = (512 - size % 512) % 512;
            if (type == '0' || type == 0) return new Entry(prefix.isEmpty() ? name : prefix + "/" + name, size);
        }
    }

    /** The content of the entry last returned by {@link #next}. */
    InputStream content() {
        return new InputStream() {
            @Override public int read() throws IOException {
                if (remaining == 0) return -1;
                int c = in.read();
                if (c >= 0) remaining--;
                return c;
            }

            @Override public int read(byte[] b, int off, int len) throws IOException {
                if (remaining == 0) return -1;
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n > 0) remaining -= n;
                return n;
            }
        };
    }

    private static String field(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) end++;
        return new String(h, off, end - off, StandardCharsets.US_ASCII);
    }
}
