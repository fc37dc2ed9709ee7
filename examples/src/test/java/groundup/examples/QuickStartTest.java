package groundup.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.testing.IdxFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/library.md shows QuickStart.java as it is, and QuickStart runs: the documentation cannot rot. */
class QuickStartTest {
    @TempDir Path dir;

    @Test void theDocumentShowsThisVeryProgram() throws Exception {
        String source = Files.readString(Path.of("src/main/java/groundup/examples/QuickStart.java")).strip();
        String doc = Files.readString(Path.of("../docs/library.md"));
        assertTrue(doc.contains("```java\n" + source + "\n```"), "docs/library.md must show examples/src/main/java/groundup/examples/QuickStart.java "
                + "verbatim, in a ```java block: copy it there again");
    }

    @Test void theProgramRuns() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data")), out = dir.resolve("out");
        IdxFiles.write(data, 1500, 300, 1);          // MNIST's format; the real files are the default
        PrintStream old = System.out;
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        System.setOut(new PrintStream(text, true));
        try {
            QuickStart.main(new String[] {data.toString(), out.toString(), "1"});
        } finally {
            System.setOut(old);
        }
        String printed = text.toString();
        assertTrue(printed.contains("backend: cpu") && printed.contains("simple-cnn epoch 1") && printed.contains("mine, loaded from"), printed);
        for (String f : new String[] {"simple-cnn/checkpoint.safetensors", "simple-cnn/best.safetensors", "simple-cnn/summary.json", "mine.safetensors"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f + " written");
        }
    }
}
