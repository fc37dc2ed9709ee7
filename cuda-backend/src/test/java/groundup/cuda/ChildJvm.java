package groundup.cuda;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Test helper: runs a main class of the test class path in a JVM of its own, with environment
 * variables and system properties of the test's choosing, for what one JVM can probe only once
 * (CUDA's availability, what JCuda loaded) or must find absent (no driver, no stand-in).
 */
final class ChildJvm {
    private ChildJvm() {}

    /** The child's stdout and stderr together; fails the test if it does not exit 0 within 120 s. */
    static String run(Map<String, String> env, List<String> properties, Class<?> main, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path")));
        cmd.addAll(properties);
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        env.forEach((k, v) -> {
            if (v == null) pb.environment().remove(k);
            else pb.environment().put(k, v);
        });
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child JVM (" + main.getSimpleName() + ") ran over 120 s:\n" + out);
        }
        if (p.exitValue() != 0) throw new AssertionError("the child JVM (" + main.getSimpleName() + ") exited " + p.exitValue() + ":\n" + out);
        return out;
    }
}
