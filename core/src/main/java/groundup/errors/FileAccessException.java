package groundup.errors;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The file system refused an operation on a file: "writing runs/x/summary.json: no space left
 * on device". The message names what was done, to which file, and the cause in words (Java's
 * own exceptions often say only a path). A file whose bytes are wrong is an
 * {@link InvalidFileException} instead.
 */
public class FileAccessException extends IOException {
    private final Path file;

    /** action: "reading", "writing", "locking"...; the cause's reason is put in words by {@link #reason}. */
    public FileAccessException(String action, Path file, IOException cause) {
        super(action + " " + file + ": " + reason(cause), cause);
        this.file = file;
    }

    /** A failure GroundUp itself detects, the reason given in words. */
    public FileAccessException(String action, Path file, String reason) {
        super(action + " " + file + ": " + reason);
        this.file = file;
    }

    public Path file() { return file; }

    /**
     * What went wrong, in the words of strerror: "permission denied", "no such file or
     * directory", "no space left on device"; for other exceptions their message.
     */
    public static String reason(IOException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof NoSuchFileException) return "no such file or directory";
        if (e instanceof FileAlreadyExistsException) return "file exists";
        if (e instanceof NotDirectoryException) return "not a directory";
        if (e instanceof DirectoryNotEmptyException) return "directory not empty";
        if (e instanceof FileSystemLoopException) return "too many levels of symbolic links";
        String r = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
        if (r == null || r.isBlank()) r = e.getClass().getSimpleName();
        return r.length() > 1 && Character.isUpperCase(r.charAt(0)) && Character.isLowerCase(r.charAt(1))
                ? r.substring(0, 1).toLowerCase(Locale.ROOT) + r.substring(1) : r;
    }

    /**
     * e as a message that names its file and cause: GroundUp's own exceptions as they are, a
     * FileSystemException as "FILE: reason", anything else as its message.
     */
    public static String describe(IOException e) {
        if (e instanceof InvalidFileException || e instanceof FileAccessException) return e.getMessage();
        if (e instanceof FileSystemException f && f.getFile() != null) {
            return f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": " + reason(e);
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
