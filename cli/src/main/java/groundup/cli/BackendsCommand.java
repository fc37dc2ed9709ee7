package groundup.cli;

import groundup.backend.BackendProvider;
import groundup.backend.Backends;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "backends", mixinStandardHelpOptions = true, description = "Lists the backends and whether each can load here, and why not.")
final class BackendsCommand implements Callable<Integer> {
    @Override public Integer call() {
        for (BackendProvider p : Backends.providers()) {
            BackendProvider.Availability a = p.availability();
            System.out.printf("%-6s %-12s %s%n", p.name(), a.available() ? "available" : "unavailable", a.reason());
        }
        System.out.println("selected: " + Backends.requestedName() + " (set -Dgroundup.backend or GROUNDUP_BACKEND)");
        return 0;
    }
}
