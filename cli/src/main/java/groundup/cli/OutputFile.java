package groundup.cli;

import groundup.files.FilePaths;
import groundup.files.FolderLock;
import groundup.io.Checkpoint;
import groundup.train.TrainingRun;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Collection;

/**
 * An output path a flag names (--summary, --plot), checked before any work: it never replaces
 * an input of the command, a file of another run's folder, a checkpoint or an IDX data file,
 * whatever path (symbolic links, "..") leads to it.
 */
final class OutputFile {
    private OutputFile() {}

    /**
     * A UsageException naming flag when out is a directory, lies in a missing directory, is one
     * of inputs, lies in a run's folder other than ownRun (or is one of the files ownRun's run
     * writes itself, its summary aside), or holds a checkpoint or IDX data.
     *
     * @param ownRun the folder of the run this command writes, or null
     */
    static void check(String flag, Path out, Collection<Path> inputs, Path ownRun) {
        String at = flag + " " + out + ": ";
        if (Files.isDirectory(out)) throw new UsageException(at + "is a directory; name a file");
        Path parent = out.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) throw new UsageException(at + "directory " + parent + " does not exist");
        Path real;
        try {
            real = Files.exists(out) ? out.toRealPath() : parent.toRealPath().resolve(out.getFileName());
        } catch (IOException e) {
            throw new UsageException(at + "cannot be resolved (" + groundup.errors.FileAccessException.reason(e) + ")");
        }
        for (Path in : inputs) {
            if (FilePaths.same(real, in)) throw new UsageException(at + "is " + in + ", an input of this command; an output never replaces an input");
        }
        Path folder = real.getParent();
        boolean own = ownRun != null && FilePaths.same(folder, ownRun);
        String name = real.getFileName().toString();
        if (own && (TrainingRun.FILES.contains(name) || name.equals(FolderLock.NAME)) && !name.equals(TrainingRun.SUMMARY)) {
            throw new UsageException(at + "is a file the run writes itself; name another");
        }
        if (!own && (Files.exists(folder.resolve(TrainingRun.CHECKPOINT)) || Files.exists(folder.resolve(FolderLock.NAME)))) {
            throw new UsageException(at + "is in " + folder + ", another run's folder; an output never replaces another run's file");
        }
        String kind = kind(real);
        if (kind != null) throw new UsageException(at + "holds " + kind + "; an output never replaces it");
    }

    /** "a checkpoint" or "IDX data" when f's first bytes say so; null otherwise (or when f is absent). */
    private static String kind(Path f) {
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(f)) return null;
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(f)) {
            if (in.readNBytes(head, 0, 4) == 4 && head[0] == 0 && head[1] == 0 && head[2] == 0x08 && head[3] >= 1 && head[3] <= 4) return "IDX data";
        } catch (IOException e) {
            return null;     // unreadable: writing it will say why
        }
        try {
            Checkpoint.readHeader(f);
            return "a checkpoint";
        } catch (IOException e) {
            return null;
        }
    }
}
