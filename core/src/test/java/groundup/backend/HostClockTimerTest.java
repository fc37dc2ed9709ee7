package groundup.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The default timer waits for the device at both marks and times what lies between them. */
class HostClockTimerTest {

    @Test void waitsForTheDeviceAtEachMarkAndTimesTheSpan() throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        // a backend of which the timer may call synchronize() only
        Backend b = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, m, args) -> {
            if (m.getName().equals("synchronize")) {
                syncs.incrementAndGet();
                return null;
            }
            if (m.isDefault()) return java.lang.reflect.InvocationHandler.invokeDefault(proxy, m, args);
            throw new AssertionError("the timer called " + m.getName());
        });
        try (DeviceTimer t = b.timer()) {
            assertThrows(IllegalStateException.class, t::elapsedMs, "nothing timed yet");
            t.start();
            Thread.sleep(20);
            t.stop();
            assertEquals(2, syncs.get(), "a wait at each mark");
            double ms = t.elapsedMs();
            assertTrue(ms >= 19 && ms < 2000, ms + " ms");
            assertTrue(t.method().contains("synchronize"), t.method());
        }
    }
}
