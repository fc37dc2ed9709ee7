package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * groundup bench: the profile and flags checked before anything runs (one line, exit 2 or 1), the
 * child JVM's command (this JVM's options, the jar, the profile, the folder), and a run of a
 * stand-in suite jar ({@link FakeSuite}) in place of JMH, which takes minutes.
 */
class BenchCommandTest {
    @TempDir Path dir;

    /** An empty file where the jar is asked for: enough for every check that stops before the child starts. */
    private Path jar() throws Exception {
        Path jar = dir.resolve("bench.jar");
        if (Files.notExists(jar)) Files.createFile(jar);
        return jar;
    }

    private static void fails(int code, String says, String... args) {
        CliTest.Run r = CliTest.run(args);
        assertEquals(code, r.code(), "exit code for " + String.join(" ", args) + ": " + r.err());
        assertTrue(r.err().contains(says), "says " + says + ": " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    @Test void badProfilesAndFlagsStopBeforeAnythingRuns() throws Exception {
        String jar = jar().toString();
        fails(2, "groundup bench: error: profile 'fast': quick or full (see groundup bench --help)", "bench", "fast", "--jar", jar);
        fails(2, "PROFILE", "bench");
        fails(2, "--forks", "bench", "quick", "--forks", "2");
        fails(1, "--jar " + dir.resolve("none.jar") + ": no such file", "bench", "quick", "--jar", dir.resolve("none.jar").toString());
        fails(1, "--pytorch " + dir.resolve("torch.json") + ": no such file", "bench", "quick", "--jar", jar, "--pytorch",
                dir.resolve("torch.json").toString());
        Path full = Files.createDirectories(dir.resolve("full"));
        Files.writeString(full.resolve("report.md"), "an earlier run");
        fails(2, "--out " + full + ": holds files already", "bench", "full", "--jar", jar, "--out", full.toString());
        assertEquals("an earlier run", Files.readString(full.resolve("report.md")), "never written into");
        fails(2, "--out " + full.resolve("report.md") + ": is a file", "bench", "full", "--jar", jar, "--out", full.resolve("report.md").toString());
    }

    @Test void theDefaultJarIsTheCheckoutsAndItsAbsenceSaysHowToBuildIt() {
        // the tests run in cli/, from cli/target/classes
        assertEquals(Path.of("..").toAbsolutePath().normalize().resolve(BenchCommand.JAR), BenchCommand.defaultJar().toAbsolutePath().normalize());
        Path missing = dir.resolve("checkout");
        String msg = BenchCommand.missingJar(missing.resolve(BenchCommand.JAR));
        assertTrue(msg.contains(missing.resolve(BenchCommand.JAR) + " is missing") && msg.contains(BenchCommand.BUILD), msg);
    }

    @Test void dryRunPrintsTheChildJvmsCommandWithThisJvmsOptions() throws Exception {
        Path out = dir.resolve("out"), torch = Files.writeString(dir.resolve("torch.json"), "{}");
        CliTest.Run r = CliTest.run("bench", "full", "--jar", jar().toString(), "--out", out.toString(), "--pytorch", torch.toString(), "--dry-run");
        assertEquals(0, r.code(), r.err());
        String line = r.out().strip();
        assertEquals(1, line.lines().count(), line);
        StringBuilder expected = new StringBuilder(BenchCommand.quote(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) expected.append(' ').append(BenchCommand.quote(a));
        expected.append(" -jar ").append(BenchCommand.quote(jar().toString())).append(" full --out ").append(BenchCommand.quote(out.toString()))
                .append(" --pytorch ").append(BenchCommand.quote(torch.toString()));
        assertEquals(expected.toString(), line);
        assertTrue(line.contains("jdk.incubator.vector"), "the Vector API's module, as the tests' JVM has it: " + line);
        assertTrue(Files.notExists(out), "a dry run creates nothing");
    }

    @Test void quotesWhatAShellWouldSplit() {
        assertEquals("--add-modules=jdk.incubator.vector", BenchCommand.quote("--add-modules=jdk.incubator.vector"));
        assertEquals("'/tmp/my runs/x'", BenchCommand.quote("/tmp/my runs/x"));
        assertEquals("'it'\\''s'", BenchCommand.quote("it's"));
        assertEquals("''", BenchCommand.quote(""));
    }

    /** A jar whose manifest runs FakeSuite from the test classes. */
    private Path fakeSuiteJar() throws Exception {
        Path classes = Path.of(FakeSuite.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, FakeSuite.class.getName());
        m.getMainAttributes().put(Attributes.Name.CLASS_PATH, classes.toUri().toString());
        Path jar = dir.resolve("fake-suite.jar");
        try (OutputStream f = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(f, m)) {
            // the manifest is all it holds
        }
        return jar;
    }

    @Test void runsTheSuiteInAChildJvmIntoANewFolder() throws Exception {
        Path jar = fakeSuiteJar(), out = dir.resolve("runs").resolve("q");
        CliTest.Run r = CliTest.run("bench", "quick", "--jar", jar.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("bench quick: the JMH suite in a JVM of its own; results into " + out), r.out());
        assertTrue(r.out().contains("done; the report is " + out.resolve("report.md")), r.out());
        List<String> seen = Files.readAllLines(out.resolve(FakeSuite.ARGS));
        assertEquals(List.of("quick", "--out", out.toString()), seen.subList(0, 3), "the suite's arguments");
        assertEquals(ManagementFactory.getRuntimeMXBean().getInputArguments(), seen.subList(4, seen.size()), "this JVM's options, passed on");
        assertTrue(Files.isRegularFile(out.resolve("report.md")));
    }

    @Test void aFailingSuiteIsOneLineNamingItsStatus() throws Exception {
        Path jar = fakeSuiteJar(), out = dir.resolve("f");
        Path torch = Files.writeString(dir.resolve("torch.json"), "exit 3");     // FakeSuite's cue to fail
        fails(1, "groundup bench: error: the benchmarks stopped with exit status 3 (their output above says why); " + out + " holds what they wrote",
                "bench", "quick", "--jar", jar.toString(), "--out", out.toString(), "--pytorch", torch.toString());
        assertTrue(Files.isRegularFile(out.resolve(FakeSuite.ARGS)), "it ran");
    }
}
