package groundup.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The one way GroundUp replaces a file (checkpoints, summaries, charts, MNIST, the cuBLAS
 * binding): the new contents go to a temporary file in the same directory, which is forced to
 * disk and renamed over the target, so a crash leaves the old file or the new one, never half of
 * one. Where the file system cannot rename atomically, a plain replace is the fallback. The
 * temporary file never outlives a failure.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Fills the temporary file; throwing leaves the target as it was. */
    @FunctionalInterface
    public interface Contents {
        void writeTo(Path tmp) throws IOException;
    }

    public static void write(Path file, Contents contents) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            contents.writeTo(tmp);
            permissions(tmp, file);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * A temporary file is made owner-only (0600); what replaces a file gets that file's
     * permissions, and a new file those of an ordinary one (0644), as if written in place.
     */
    private static void permissions(Path tmp, Path file) throws IOException {
        if (!Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) return;
        Set<PosixFilePermission> p = Files.exists(file) ? Files.getPosixFilePermissions(file) : PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(tmp, p);
    }

    public static void writeString(Path file, String text) throws IOException { write(file, tmp -> Files.writeString(tmp, text)); }

    public static void writeBytes(Path file, byte[] bytes) throws IOException { write(file, tmp -> Files.write(tmp, bytes)); }
}
