package groundup.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.errors.FileAccessException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One writer per run folder: a second fails at once naming the folder, and a killed holder leaves no stale lock. */
class FolderLockTest {
    @TempDir Path dir;

    /** The child: "hold": locks args[0], says so, and waits to be killed; "try": exits 0 if it could lock args[0], 3 if not. */
    public static void main(String[] args) throws Exception {
        if (args[1].equals("try")) {
            try (FolderLock l = FolderLock.acquire(Path.of(args[0]))) {
                System.exit(0);
            } catch (FileAccessException e) {
                System.exit(3);
            }
        }
        try (FolderLock l = FolderLock.acquire(Path.of(args[0]))) {
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(60_000);
        }
    }

    private static ProcessBuilder child(Path run, String mode) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), FolderLockTest.class.getName(), run.toString(), mode)
                .redirectErrorStream(true);
    }

    @Test void aSecondLockInThisProcessFailsAtOnceAndTheFirstStaysHeld() throws Exception {
        Path run = dir.resolve("run");
        try (FolderLock first = FolderLock.acquire(run)) {
            FileAccessException e = assertThrows(FileAccessException.class, () -> FolderLock.acquire(run));
            assertTrue(e.getMessage().startsWith("locking " + run + ": in use"), e.getMessage());
            assertThrows(FileAccessException.class, () -> FolderLock.acquire(dir.resolve("x/../run")));
            // the refused attempts must not have released the first lock (POSIX locks belong to the process): another process is still refused
            Process p = child(run, "try").start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(3, p.exitValue(), new String(p.getInputStream().readAllBytes()));
        }
        FolderLock.acquire(run).close();       // released on close
    }

    @Test void anotherProcessHoldingTheFolderIsRefusedAndItsDeathFreesIt() throws Exception {
        Path run = dir.resolve("run");
        Process p = child(run, "hold").start();
        try {
            byte[] said = p.getInputStream().readNBytes(6);
            assertEquals("locked", new String(said), "the child locked the folder");
            FileAccessException e = assertThrows(FileAccessException.class, () -> FolderLock.acquire(run));
            assertTrue(e.getMessage().contains(run.toString()) && e.getMessage().contains("in use"), e.getMessage());
        } finally {
            p.destroyForcibly();       // SIGKILL: no finally, no release but the kernel's
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        FolderLock.acquire(run).close();
    }
}
