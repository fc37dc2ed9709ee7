package groundup.cli;

import groundup.backend.Backend;
import groundup.backend.BackendProvider;
import groundup.cpu.CpuBackendProvider;
import groundup.testing.PlantedBackend;

/**
 * Tests only: {@code --backend planted} is the CPU backend with the bug that the system property
 * {@value #PROPERTY} names planted ({@link PlantedBackend.Plant}), so that a test can run a
 * command end to end on a backend with one layer's backward 1% off. Lowest priority: auto never
 * picks it.
 */
public final class PlantedBackendProvider implements BackendProvider {
    static final String PROPERTY = "groundup.test.plant";

    @Override public String name() { return "planted"; }

    @Override public int priority() { return Integer.MIN_VALUE; }

    @Override public Availability availability() {
        return System.getProperty(PROPERTY) == null ? Availability.no("test double: -D" + PROPERTY + " names no plant")
                : new CpuBackendProvider().availability();
    }

    @Override public Backend create() {
        return PlantedBackend.owning(new CpuBackendProvider().create(), PlantedBackend.Plant.valueOf(System.getProperty(PROPERTY)));
    }
}
