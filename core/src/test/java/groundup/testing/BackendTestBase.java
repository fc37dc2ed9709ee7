package groundup.testing;

import groundup.backend.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.opentest4j.TestAbortedException;

/**
 * The life cycle the shared suites need: one backend per test class, closed at the end; a
 * backend that cannot run here (createBackend throws an assumption failure) skips every test,
 * each one reported as skipped with the reason, which is also printed once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendTestBase {
    protected Backend b;
    private String skipReason;

    /** The backend under test; call Assumptions.assumeTrue(..., reason) here to skip. */
    protected abstract Backend createBackend();

    @BeforeAll void open() {
        try {
            b = createBackend();
        } catch (TestAbortedException e) {
            skipReason = e.getMessage();
            System.out.println("[" + getClass().getSimpleName() + "] " + skipReason);
        }
    }

    @BeforeEach void skipWithoutBackend() {
        Assumptions.assumeTrue(skipReason == null, () -> skipReason);
    }

    @AfterAll void shut() {
        closeResources();
        if (b != null) b.close();
    }

    /** Subclasses free what they made before the backend closes. */
    protected void closeResources() { }
}
