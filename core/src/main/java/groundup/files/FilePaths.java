package groundup.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Path questions that checks of inputs against outputs ask. */
public final class FilePaths {
    private FilePaths() {}

    /**
     * Whether a and b name one file or folder: the same absolute normalized path, or, where both
     * exist, the same file by the file system (symbolic links, hard links, "..", bind mounts).
     */
    public static boolean same(Path a, Path b) {
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) return true;
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
