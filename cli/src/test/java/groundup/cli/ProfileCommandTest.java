package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import groundup.cpu.CpuBackend;
import groundup.nn.Layer;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Sequential;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * groundup profile on the CPU: a table on stdout, profile.json with a row per layer, the loss and
 * the optimizer whose shares add up to the step, a PNG; outputs never replaced without --force;
 * bad flags one line and exit 2.
 */
class ProfileCommandTest {
    @TempDir Path dir;

    /** The quick profile the tests run: simple-cnn, batch 8, one warm-up step, three timed. */
    static String[] quick(String backend, Path out, String... more) {
        String[] base = {"profile", "--net", "simple-cnn", "--backend", backend, "--batch", "8", "--warmup", "1", "--steps", "3", "--out", out.toString()};
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test void profilesEveryLayerOfSimpleCnnOnTheCpu() throws Exception {
        Path out = dir.resolve("p");
        CliTest.Run r = CliTest.run(quick("cpu", out));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("forward ms") && r.out().contains("total step") && r.out().contains("optimizer"), r.out());
        assertTrue(r.out().contains("synthetic") && r.out().contains("host clock"), "says its input and its clock: " + r.out());
        JsonObject p = JsonParser.parseString(Files.readString(out.resolve(ProfileCommand.JSON))).getAsJsonObject();
        JsonArray rows = p.getAsJsonArray("rows");
        try (CpuBackend b = new CpuBackend(1); Sequential net = Networks.create(NetworkSpec.of("simple-cnn"), b, 1)) {
            assertEquals(net.layers().size() + 2, rows.size(), "a row per layer, the loss, the optimizer: " + rows);
            for (int i = 0; i < net.layers().size(); i++) {
                Layer l = net.layers().get(i);
                assertEquals(l.describe(), rows.get(i).getAsJsonObject().get("description").getAsString());
                assertTrue(r.out().contains(l.describe()), "the table names " + l.describe());
            }
        }
        double shares = 0, sum = 0;
        for (JsonElement e : rows) {
            JsonObject row = e.getAsJsonObject();
            shares += row.get("share").getAsDouble();
            double bwd = row.getAsJsonObject("backward_ms").get("median").getAsDouble();
            double fwd = row.get("forward_ms").isJsonNull() ? 0 : row.getAsJsonObject("forward_ms").get("median").getAsDouble();
            assertTrue(bwd >= 0 && fwd >= 0, row.toString());
            sum += fwd + bwd;
        }
        assertEquals(1, shares, 1e-4, "the shares add up to the step");
        assertEquals(sum, p.get("sum_ms").getAsDouble(), 1e-4 * sum);
        JsonObject conv = rows.get(0).getAsJsonObject();
        // 2*N*F*C*kh*kw*OH*OW = 2*8*30*1*5*5*24*24; the first layer computes no dx, so backward (dW) is as much
        assertEquals(2L * 8 * 30 * 25 * 24 * 24, conv.get("forward_flop").getAsLong());
        assertEquals(conv.get("forward_flop").getAsLong(), conv.get("backward_flop").getAsLong());
        JsonObject affine = rows.get(1).getAsJsonObject();
        assertEquals(2L * 8 * 4320 * 100, affine.get("forward_flop").getAsLong());
        assertEquals(2 * affine.get("forward_flop").getAsLong(), affine.get("backward_flop").getAsLong(), "dW and dx");
        assertTrue(rows.get(2).getAsJsonObject().get("gflops").isJsonNull(), "a ReLU has no GFLOP/s");
        assertTrue(p.getAsJsonObject("peak").get("gflops").getAsDouble() > 0);
        byte[] png = Files.readAllBytes(out.resolve(ProfileCommand.PNG));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
    }

    /** A bf16 profile's shares are of the fp32 peak, which does not bound it: the peak line says so; fp32's does not need to. */
    @Test void aBf16ProfileSaysItsPeakIsFp32s() throws Exception {
        CliTest.Run bf16 = CliTest.run(quick("cpu", dir.resolve("bf16"), "--precision", "bf16"));
        assertEquals(0, bf16.code(), bf16.err());
        assertTrue(bf16.out().contains("; fp32's: a bf16 layer's share of it may read over 100%"), bf16.out());
        CliTest.Run fp32 = CliTest.run(quick("cpu", dir.resolve("fp32")));
        assertFalse(fp32.out().contains("fp32's: a"), fp32.out());
    }

    @Test void anEarlierProfileIsReplacedOnlyWithForce() throws Exception {
        Path out = Files.createDirectories(dir.resolve("again"));
        Files.writeString(out.resolve(ProfileCommand.JSON), "earlier");
        CliTest.Run r = CliTest.run(quick("cpu", out));
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--force"), r.err());
        assertEquals("earlier", Files.readString(out.resolve(ProfileCommand.JSON)));
        assertEquals(0, CliTest.run(quick("cpu", out, "--force")).code());
        assertTrue(Files.readString(out.resolve(ProfileCommand.JSON)).contains("\"rows\""));
    }

    @Test void badFlagsGiveOneLineAndExitTwo() {
        String out = dir.resolve("never").toString();
        String[][] bad = {{"--batch", "0"}, {"--steps", "0"}, {"--warmup", "-1"}, {"--net", "resnet"}, {"--bogus"}, {"--batch", "many"}};
        String[] named = {"--batch", "--steps", "--warmup", "--net", "--bogus", "--batch"};
        for (int i = 0; i < bad.length; i++) {
            String[] args = new String[bad[i].length + 3];
            args[0] = "profile";
            System.arraycopy(bad[i], 0, args, 1, bad[i].length);
            args[bad[i].length + 1] = "--out";
            args[bad[i].length + 2] = out;
            CliTest.Run r = CliTest.run(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            assertTrue(r.err().contains(named[i]), "names " + named[i] + ": " + r.err());
        }
        CliTest.Run force = CliTest.run("profile", "--force");
        assertEquals(2, force.code(), force.err());
        assertTrue(force.err().contains("--force"), force.err());
        assertTrue(Files.notExists(dir.resolve("never")), "nothing written");
    }
}
