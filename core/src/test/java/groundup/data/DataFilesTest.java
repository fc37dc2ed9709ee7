package groundup.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.errors.FileAccessException;
import groundup.errors.InvalidFileException;
import groundup.testing.IdxFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a run records of its data: the folder and the SHA-256 of the four files as read, checked on resume. */
class DataFilesTest {
    @TempDir Path dir;

    /** SHA-256 of a file's bytes, as hex: computed here independently of the loader. */
    private static String sha256(Path f) throws IOException {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(java.nio.file.Files.readAllBytes(f)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test void loadingRecordsEachFilesSha256() throws IOException {
        IdxFiles.write(dir, 20, 10, 4);
        DataFiles f = Mnist.load(dir, "mnist").files();
        assertEquals(dir.toAbsolutePath(), f.dir());
        for (String n : DataFiles.NAMES) assertEquals(sha256(dir.resolve(n)), f.sha256().get(n), n);
        assertEquals(f, DataFiles.fromJson(f.toJson().toString(), dir.resolve("ck"), "metadata groundup.data"));
    }

    @Test void otherFilesAreNamedAndMissingOnesToo() throws IOException {
        Path a = Files.createDirectories(dir.resolve("a")), b = Files.createDirectories(dir.resolve("b"));
        IdxFiles.write(a, 20, 10, 4);
        IdxFiles.write(b, 20, 10, 4);
        DataFiles fa = Mnist.load(a, "mnist").files();
        fa.check(Mnist.load(b, "mnist").files(), "the run in r");         // the same bytes elsewhere: accepted
        IdxFiles.write(b, 20, 10, 5);
        InvalidFileException e = assertThrows(InvalidFileException.class, () -> fa.check(Mnist.load(b, "mnist").files(), "the run in r"));
        assertEquals(b.toAbsolutePath().resolve(Mnist.TRAIN_IMAGES), e.file());
        assertTrue(e.getMessage().contains("is not the file the run in r trained on"), e.getMessage());
        Files.delete(b.resolve(Mnist.TEST_LABELS));
        e = assertThrows(InvalidFileException.class, () -> fa.requirePresent(b, "the run in r"));
        assertTrue(e.getMessage().startsWith(b.resolve(Mnist.TEST_LABELS) + ": missing: the run in r trained on the four files of " + fa.dir()), e.getMessage());
        FileAccessException io = assertThrows(FileAccessException.class, () -> Mnist.load(b, "mnist"));
        assertEquals("reading " + b.resolve(Mnist.TEST_LABELS) + ": no such file or directory", io.getMessage());
    }

    @Test void aBadRecordNamesTheFileAndField() {
        Path ck = dir.resolve("checkpoint.safetensors");
        for (String json : new String[] {"{", "[]", "{\"dataset\":\"mnist\",\"dir\":\"relative\",\"sha256\":{}}",
            "{\"dataset\":\"mnist\",\"dir\":\"/d\",\"sha256\":{\"train-images-idx3-ubyte\":\"zz\"}}"}) {
            InvalidFileException e = assertThrows(InvalidFileException.class, () -> DataFiles.fromJson(json, ck, "metadata groundup.data"));
            assertTrue(e.getMessage().startsWith(ck + ": metadata groundup.data is not a data set's record"), e.getMessage());
        }
    }
}
