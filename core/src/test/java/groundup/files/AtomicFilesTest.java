package groundup.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import groundup.errors.FileAccessException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir Path dir;

    private List<String> names() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
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
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        AtomicFiles.writeString(f, "two");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    /** A full disk, as the writer sees it: half the bytes out, then the file system's refusal. */
    @Test void aFailedWriteNamesTheFileAndItsCauseAndLeavesTheOldFileAndNoTmp() throws IOException {
        Path f = dir.resolve("checkpoint");
        AtomicFiles.writeBytes(f, new byte[] {1, 2, 3});
        FileAccessException e = assertThrows(FileAccessException.class, () -> AtomicFiles.write(f, tmp -> {
            Files.write(tmp, new byte[] {9});
            throw new IOException("No space left on device");
        }));
        assertEquals("writing " + f + ": no space left on device", e.getMessage());
        assertEquals(f, e.file());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
        assertEquals(List.of("checkpoint"), names(), "the temporary file was removed");
    }

    @Test void aFolderThatCannotBeWrittenIsNamedWithItsCause() throws IOException {
        Path ro = Files.createDirectories(dir.resolve("ro"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeTrue(!Files.isWritable(ro), "running as root: permissions do not stop writes");
            FileAccessException e = assertThrows(FileAccessException.class, () -> AtomicFiles.writeString(ro.resolve("summary.json"), "x"));
            assertEquals("writing " + ro.resolve("summary.json") + ": permission denied", e.getMessage());
        } finally {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** What a kill -9 in the middle of write leaves: removed for the names given, nothing else touched. */
    @Test void leftoversOfAKilledWriterAreRemovedAndNothingElse() throws IOException {
        for (String n : List.of("summary.json", "summary.json123.tmp", "summary.json-9.tmp", "other.json77.tmp", "notes.tmp", "checkpoint.safetensors4.tmp")) {
            Files.writeString(dir.resolve(n), n);
        }
        AtomicFiles.removeLeftovers(dir, List.of("summary.json", "checkpoint.safetensors"));
        assertEquals(List.of("notes.tmp", "other.json77.tmp", "summary.json", "summary.json-9.tmp"), names());
    }

    @Test void fileSystemExceptionsAreDescribedWithTheirFileAndCause() {
        assertEquals("/x/y: no such file or directory", FileAccessException.describe(new java.nio.file.NoSuchFileException("/x/y")));
        assertEquals("/x/y: permission denied", FileAccessException.describe(new java.nio.file.AccessDeniedException("/x/y")));
        assertEquals("/x: read-only file system", FileAccessException.describe(new java.nio.file.FileSystemException("/x", null, "Read-only file system")));
        assertTrue(FileAccessException.describe(new IOException("No space left on device")).contains("No space left on device"));
    }
}
