package groundup.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample pom.xml of docs/library.md builds as written: taken from the page, put beside
 * QuickStart.java in a project of its own, and built with {@code mvn -o package} by the Maven the
 * repository's ./mvnw runs, offline, against the GroundUp artifacts installed in ~/.m2. Skipped,
 * saying why, where those artifacts are not installed or there is no Maven; never downloads.
 */
class LibraryPomTest {
    private static final Pattern XML = Pattern.compile("```xml\n(.*?)```", Pattern.DOTALL);
    private static final String[] ARTIFACTS = {"groundup-parent", "groundup-core", "groundup-cpu-backend", "groundup-cuda-backend"};

    @TempDir Path dir;

    /** The page's one complete pom.xml: the ```xml block that is a whole project. */
    static String samplePom(String page) {
        List<String> poms = new ArrayList<>();
        Matcher m = XML.matcher(page);
        while (m.find()) if (m.group(1).contains("<project")) poms.add(m.group(1));
        assertEquals(1, poms.size(), "docs/library.md shows one complete pom.xml (a ```xml block with <project>), not " + poms.size());
        return poms.get(0);
    }

    /**
     * The plugins the sample pins are the versions GroundUp's build uses: they are then in ~/.m2
     * wherever GroundUp was built, so the offline build finds them, and in step as those move on.
     */
    @Test void theSamplePinsThePluginsOfThisBuild() throws Exception {
        String pom = samplePom(Files.readString(Path.of("../docs/library.md")));
        Map<String, String> ours = pluginVersions(Files.readString(Path.of("../pom.xml"))), pinned = pluginVersions(pom);
        for (String p : new String[] {"maven-compiler-plugin", "maven-resources-plugin", "maven-surefire-plugin", "maven-jar-plugin"}) {
            assertTrue(pinned.containsKey(p), "docs/library.md's pom.xml pins no version of " + p + ", which `mvn package` runs");
            assertEquals(ours.get(p), pinned.get(p), "docs/library.md's pom.xml pins " + p + " " + pinned.get(p) + "; GroundUp builds with " + ours.get(p));
        }
        assertTrue(pom.contains("<release>17</release>"), "the compiler's release: 17");
    }

    private static Map<String, String> pluginVersions(String pom) {
        Map<String, String> v = new HashMap<>();
        Matcher m = Pattern.compile("<artifactId>(maven-[a-z-]+-plugin)</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        while (m.find()) v.put(m.group(1), m.group(2));
        return v;
    }

    @Test void theSamplePomBuildsTheQuickStart() throws Exception {
        String version = System.getProperty("groundup.version");
        assumeTrue(version != null, "no groundup.version system property: run through Maven (examples/pom.xml sets it)");
        Path repo = Path.of(System.getProperty("user.home"), ".m2", "repository", "io", "groundup");
        for (String a : ARTIFACTS) {
            Path f = repo.resolve(a).resolve(version).resolve(a + "-" + version + (a.equals("groundup-parent") ? ".pom" : ".jar"));
            assumeTrue(Files.isRegularFile(f), "GroundUp " + version + " is not installed in ~/.m2 (no " + f + "): ./mvnw -B install puts it there");
        }
        Path mvnw = Path.of("..", "mvnw").toAbsolutePath().normalize();
        assumeTrue(Files.isExecutable(mvnw), "no executable " + mvnw);

        Path project = Files.createDirectories(dir.resolve("quickstart"));
        Files.writeString(project.resolve("pom.xml"), samplePom(Files.readString(Path.of("../docs/library.md"))));
        Path src = Files.createDirectories(project.resolve("src/main/java/groundup/examples"));
        Files.copy(Path.of("src/main/java/groundup/examples/QuickStart.java"), src.resolve("QuickStart.java"));

        ProcessBuilder pb = new ProcessBuilder(mvnw.toString(), "-B", "-o", "-Dstyle.color=never", "-f", project.resolve("pom.xml").toString(), "package")
                .redirectErrorStream(true).redirectOutput(dir.resolve("build.log").toFile());
        pb.environment().remove("MVNW_REPOURL");        // mvnw downloads Maven only where this names a repository: never here
        pb.environment().remove("MAVEN_ARGS");
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("mvn package of the sample project ran over 10 minutes:\n" + tail(dir.resolve("build.log")));
        }
        String log = tail(dir.resolve("build.log"));
        assumeTrue(p.exitValue() == 0 || !log.contains("mvnw: no Maven 3.8+"), "no Maven here: " + log.strip());
        assertEquals(0, p.exitValue(), "the sample pom.xml of docs/library.md does not build the QuickStart with `mvn -o package` "
                + "(if the error is in QuickStart.java, the artifacts in ~/.m2 may be older than this checkout: ./mvnw -B install):\n" + log);
        assertTrue(Files.isRegularFile(project.resolve("target/classes/groundup/examples/QuickStart.class")), log);
        try (Stream<Path> jars = Files.list(project.resolve("target"))) {
            assertTrue(jars.anyMatch(f -> f.getFileName().toString().endsWith(".jar")), "a jar in target/: " + log);
        }
    }

    /** The last 80 lines: Maven's error and what led to it. */
    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
    }
}
