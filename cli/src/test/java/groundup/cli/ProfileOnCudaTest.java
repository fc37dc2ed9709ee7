package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * groundup profile --backend cuda times its spans with CUDA events on the backend's stream, not
 * the host clock: on the GPU where a driver is installed, else on the host stand-in (whose
 * cuEventElapsedTime is the host time between the moments its queue reached the two events);
 * skipped with the reason where neither is there.
 */
@Tag("cuda-device")
class ProfileOnCudaTest {
    @TempDir Path dir;

    @Test void spansAreTimedWithEventsOnTheStream() throws Exception {
        String cannot = CudaHere.cannotRun();
        assumeTrue(cannot == null, cannot);
        Path out = dir.resolve("cuda");
        CliTest.Run r = CliTest.run(ProfileCommandTest.quick("cuda", out));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("timed with CUDA events"), r.out());
        JsonObject p = JsonParser.parseString(Files.readString(out.resolve(ProfileCommand.JSON))).getAsJsonObject();
        assertEquals("cuda", p.get("backend").getAsString());
        assertTrue(p.get("timer").getAsString().contains("cuEventElapsedTime"), p.get("timer").getAsString());
        double shares = 0, longest = 0;
        for (JsonElement e : p.getAsJsonArray("rows")) {
            JsonObject row = e.getAsJsonObject();
            shares += row.get("share").getAsDouble();
            double bwd = row.getAsJsonObject("backward_ms").get("median").getAsDouble();
            assertTrue(bwd >= 0 && Double.isFinite(bwd), row.toString());
            longest = Math.max(longest, bwd);
        }
        assertEquals(1, shares, 1e-4);
        assertTrue(longest > 0, "some span took time");
        double step = p.getAsJsonObject("step_ms").get("median").getAsDouble();
        assertTrue(step >= longest, "the whole step (" + step + " ms) holds each of its parts (" + longest + " ms)");
        assertTrue(Files.size(out.resolve(ProfileCommand.PNG)) > 0);
    }
}
