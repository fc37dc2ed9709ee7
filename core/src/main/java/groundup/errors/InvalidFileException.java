package groundup.errors;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that is not what it claims to be: truncated, corrupt, of another format or for
 * another network. The message names the file and what is wrong. Readers of the project
 * throw this (or a plain IOException for a failure of the file system), nothing else.
 */
public class InvalidFileException extends IOException {
    private final Path file;

    /** problem: what is wrong, on one line (line breaks become spaces). */
    public InvalidFileException(Path file, String problem) {
        super(file + ": " + problem.strip().replaceAll("\\s*\\R\\s*", " "));
        this.file = file;
    }

    /**
     * A parser's complaint, short enough to quote: the first line of e's message, without the
     * class names that libraries put before it ("java.lang.IllegalStateException: ").
     */
    public static String why(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip().lines().findFirst().orElse("");
        return m.replaceFirst("^([a-z][a-z0-9_]*\\.)+[A-Za-z0-9_$]+(Exception|Error): ", "");
    }

    public Path file() { return file; }
}
