package groundup.files;

import groundup.errors.FileAccessException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive OS lock on a folder, held through the file {@value #NAME} in it, so that two
 * processes never write one run's files at once. The operating system drops the lock when the
 * process ends, however it ends: a crash leaves no stale lock, only the empty file, which is
 * reused. The file is never deleted (deleting it would let a third process lock a new file
 * while the second still waits on the old one).
 */
public final class FolderLock implements AutoCloseable {
    public static final String NAME = ".groundup-lock";

    private final FileChannel channel;
    private final FileLock lock;
    private final Path key;

    private FolderLock(FileChannel channel, FileLock lock, Path key) {
        this.channel = channel;
        this.lock = lock;
        this.key = key;
    }

    /**
     * Creates dir if needed and locks it, or fails at once: a {@link FileAccessException} naming
     * the folder when another process (or another run in this one) holds it.
     */
    public static FolderLock acquire(Path dir) throws IOException {
        Path file = dir.resolve(NAME), key;
        FileChannel ch;
        try {
            Files.createDirectories(dir);
            key = dir.toRealPath();
        } catch (IOException e) {
            throw new FileAccessException("locking", dir, e);
        }
        // this process's own locks are kept here: opening and closing a second channel on the
        // file would release the first one's lock (POSIX locks belong to the process)
        synchronized (HELD) {
            if (!HELD.add(key)) throw inUse(dir, file);
        }
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            release(key);
            throw new FileAccessException("locking", dir, e);
        }
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (IOException | OverlappingFileLockException e) {
            ch.close();
            release(key);
            throw e instanceof IOException io ? new FileAccessException("locking", dir, io) : inUse(dir, file);
        }
        if (l == null) {
            ch.close();
            release(key);
            throw inUse(dir, file);
        }
        return new FolderLock(ch, l, key);
    }

    private static final java.util.Set<Path> HELD = new java.util.HashSet<>();

    private static void release(Path key) {
        synchronized (HELD) {
            HELD.remove(key);
        }
    }

    private static FileAccessException inUse(Path dir, Path file) {
        return new FileAccessException("locking", dir, "in use: another process is writing a run there (it holds " + file
                + "); wait for it to end, or choose another folder");
    }

    @Override public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
            release(key);
        }
    }
}
