package groundup.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir Path dir;

    private long files() throws IOException {
        try (var s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test void replacesTheFileAndLeavesNothingBeside() throws IOException {
        Path f = dir.resolve("sub/summary.json");
        AtomicFiles.writeString(f, "one");
        AtomicFiles.writeString(f, "two");
        assertEquals("two", Files.readString(f));
        try (var s = Files.list(f.getParent())) {
            assertEquals(1, s.count(), "no temporary file is left");
        }
    }

    @Test void aNewFileIsReadableAsAnyAndAReplacedOneKeepsItsPermissions() throws IOException {
        Path f = dir.resolve("summary.json");
        AtomicFiles.writeString(f, "one");
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        AtomicFiles.writeString(f, "two");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    @Test void aFailureLeavesTheOldFileAsItWas() throws IOException {
        Path f = dir.resolve("checkpoint");
        AtomicFiles.writeBytes(f, new byte[] {1, 2, 3});
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f, tmp -> {
            Files.write(tmp, new byte[] {9});
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals(3, Files.readAllBytes(f).length);
        assertEquals(1, files(), "the temporary file was removed");
    }
}
