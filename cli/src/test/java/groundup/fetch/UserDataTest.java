package groundup.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.data.KnownDataset;
import groundup.data.Mnist;
import groundup.errors.InvalidFileException;
import groundup.testing.IdxFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A folder the user points --data at is theirs: what is in it is used or refused, never replaced. */
class UserDataTest {
    @TempDir Path dir;

    private Map<String, byte[]> snapshot() throws IOException {
        Map<String, byte[]> m = new HashMap<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) m.put(f.getFileName().toString(), Files.readAllBytes(f));
        }
        return m;
    }

    private void assertUnchanged(Map<String, byte[]> before) throws IOException {
        Map<String, byte[]> after = snapshot();
        assertEquals(before.keySet(), after.keySet(), "no file added or removed");
        for (String k : before.keySet()) assertArrayEquals(before.get(k), after.get(k), k + " unchanged");
    }

    @Test void otherValidIdxFilesAreUsedAsTheyAreWithALine() throws IOException {
        IdxFiles.write(dir, 30, 10, 1);
        Map<String, byte[]> before = snapshot();
        List<String> log = new ArrayList<>();
        DatasetFetch.ensure(dir, KnownDataset.MNIST, log::add);
        assertUnchanged(before);
        assertEquals(1, log.size(), log.toString());
        assertTrue(log.get(0).contains("differ from the reference mnist") && log.get(0).contains("as they are"), log.get(0));
        Mnist.Split s = Mnist.load(dir);
        assertEquals(30, s.train().count());
        assertEquals(10, s.test().count());
    }

    @Test void aCorruptFileIsAnErrorNamingItAndStaysAsItWas() throws IOException {
        IdxFiles.write(dir, 30, 10, 2);
        Path images = dir.resolve(Mnist.TRAIN_IMAGES);
        byte[] whole = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(whole, whole.length - 100));     // truncated
        Map<String, byte[]> before = snapshot();
        DatasetFetch.ensure(dir, KnownDataset.MNIST, line -> { });
        InvalidFileException e = assertThrows(InvalidFileException.class, () -> Mnist.load(dir));
        assertEquals(images, e.file());
        assertUnchanged(before);
    }

    @Test void aFolderMissingSomeFilesIsAnErrorAndGetsNothingNew() throws IOException {
        IdxFiles.write(dir, 5, 5, 3);
        Files.delete(dir.resolve(Mnist.TEST_LABELS));
        Map<String, byte[]> before = snapshot();
        InvalidFileException e = assertThrows(InvalidFileException.class, () -> DatasetFetch.ensure(dir, KnownDataset.MNIST, line -> { }));
        assertTrue(e.getMessage().contains(Mnist.TEST_LABELS) && e.getMessage().contains("nothing was fetched or changed"), e.getMessage());
        assertUnchanged(before);
        assertFalse(DatasetFetch.isManaged(dir, KnownDataset.MNIST));
    }
}
