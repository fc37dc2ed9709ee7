package groundup.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

/** Test files: a checkpoint rewritten byte by byte with other metadata, or one float of a tensor replaced. */
final class CheckpointFiles {
    private CheckpointFiles() {}

    /** src with its metadata changed by edit, written to dst (a valid safetensors layout: only what the fields say differs). */
    static void withMetadata(Path src, Path dst, Consumer<JsonObject> edit) throws IOException {
        rewrite(src, dst, edit, null, 0);
    }

    /** src with the first float of tensor set to value. */
    static void withValue(Path src, Path dst, String tensor, float value) throws IOException {
        rewrite(src, dst, m -> { }, tensor, value);
    }

    /** Sets (or with null removes) one metadata field. */
    static Consumer<JsonObject> field(String key, String value) {
        return m -> {
            if (value == null) m.remove(key);
            else m.addProperty(key, value);
        };
    }

    private static void rewrite(Path src, Path dst, Consumer<JsonObject> edit, String tensor, float value) throws IOException {
        byte[] b = Files.readAllBytes(src);
        int n = (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        JsonObject root = JsonParser.parseString(new String(b, 8, n, StandardCharsets.UTF_8)).getAsJsonObject();
        edit.accept(root.getAsJsonObject("__metadata__"));
        byte[] data = Arrays.copyOfRange(b, 8 + n, b.length);
        if (tensor != null) {
            int at = (int) root.getAsJsonObject(tensor).getAsJsonArray("data_offsets").get(0).getAsLong();
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putFloat(at, value);
        }
        byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(json);
        while (out.position() < 8 + padded) out.put((byte) ' ');
        out.put(data);
        Files.createDirectories(dst.toAbsolutePath().getParent());
        Files.write(dst, out.array());
    }
}
