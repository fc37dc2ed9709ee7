package groundup.files;

import groundup.errors.FileAccessException;
import groundup.errors.InvalidFileException;
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
 * temporary file never outlives a failure; a kill leaves it, and {@link #removeLeftovers}
 * clears it later.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Fills the temporary file; throwing leaves the target as it was. */
    @FunctionalInterface
    public interface Contents {
        void writeTo(Path tmp) throws IOException;
    }

    /**
     * Replaces file with what contents writes. A failure of the file system is a
     * {@link FileAccessException} "writing FILE: cause" (the target named, not the temporary
     * file); the target is then as it was and no temporary file is left.
     */
    public static void write(Path file, Contents contents) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        } catch (IOException e) {
            throw new FileAccessException("writing", file, e);
        }
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
        } catch (InvalidFileException | FileAccessException e) {
            throw e;
        } catch (IOException e) {
            throw new FileAccessException("writing", file, e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {   // the failure that matters is the one above; this one only leaves a *.tmp
                System.getLogger(AtomicFiles.class.getName()).log(System.Logger.Level.WARNING, "could not remove " + tmp + ": " + FileAccessException.reason(e));
            }
        }
    }

    /**
     * Removes the temporary files that {@link #write} leaves when a process is killed in the
     * middle (FILE&lt;digits&gt;.tmp beside FILE), for each of the given files. Call it only where
     * no other process writes those files (a run's folder under its lock).
     */
    public static void removeLeftovers(Path dir, java.util.Collection<String> names) throws IOException {
        if (!Files.isDirectory(dir)) return;
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String n = f.getFileName().toString();
                for (String name : names) {
                    if (n.startsWith(name) && n.endsWith(".tmp") && n.substring(name.length(), n.length() - 4).matches("[0-9]+")
                            && Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        Files.delete(f);
                    }
                }
            }
        } catch (IOException e) {
            throw new FileAccessException("cleaning", dir, e);
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
