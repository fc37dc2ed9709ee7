package groundup.cuda;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;

/**
 * Run by {@link CudaSkipTest} in a JVM of its own: runs the test classes named in args and
 * prints one line per skipped, failed or finished test or container: "skipped NAME: REASON",
 * "failed NAME: MESSAGE", "passed NAME".
 */
final class RunSuites {
    private RunSuites() {}

    public static void main(String[] args) throws ClassNotFoundException {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
        for (String name : args) request.selectors(selectClass(Class.forName(name)));
        LauncherDiscoveryRequest r = request.build();
        LauncherFactory.create().execute(r, new TestExecutionListener() {
            @Override public void executionSkipped(TestIdentifier id, String reason) {
                System.out.println("skipped " + id.getDisplayName() + ": " + reason);
            }

            @Override public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                String how = switch (result.getStatus()) {
                    case SUCCESSFUL -> "passed ";
                    case ABORTED -> "aborted ";
                    case FAILED -> "failed ";
                };
                System.out.println(how + id.getDisplayName() + result.getThrowable().map(t -> ": " + t.getMessage().lines().findFirst().orElse("")).orElse(""));
            }
        });
    }
}
