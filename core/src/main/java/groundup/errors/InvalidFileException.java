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

    public InvalidFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public Path file() { return file; }
}
