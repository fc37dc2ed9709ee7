package groundup.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import groundup.errors.FileAccessException;
import groundup.errors.InvalidFileException;
import groundup.files.AtomicFiles;
import groundup.nn.Layer;
import groundup.nn.Parameter;
import groundup.nn.Sequential;
import groundup.optim.Optimizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checkpoints in the safetensors format, so numpy and PyTorch read our weights:
 * an 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}
 * with {@code __metadata__} (string to string), then the raw little-endian float32 data.
 *
 * <p>Tensors: the parameters by name ("conv1.W" (30, 25) ...), batch-norm running statistics,
 * and, when an optimizer is given, its state ("conv1.W.opt0" ...). Metadata: the network's
 * description ({@link #NETWORK}), and whatever the caller adds (epoch, step, seed).
 *
 * <p>Writing goes to a temporary file in the same directory, is forced to disk, then
 * atomically renamed over the target: a crash at any point leaves the old file or the new
 * one, never a mix. Reading checks every claim of the header against the file first, and
 * loading refuses a tensor holding NaN or an infinity, naming it.
 */
public final class Checkpoint {
    public static final String NETWORK = "groundup.network", FORMAT = "groundup.format", STEPS = "groundup.optimizer_steps";
    /** A header larger than this is refused before it is read (ours are a few KB). */
    static final long MAX_HEADER = 16L << 20;
    private static final Gson GSON = new Gson();

    private Checkpoint() {}

    /** Every tensor a checkpoint of this network (and optimizer) holds, in file order. */
    static List<Layer.NamedTensor> tensors(Sequential net, Optimizer opt) {
        List<Layer.NamedTensor> all = new ArrayList<>();
        for (Parameter p : net.parameters()) all.add(new Layer.NamedTensor(p.name(), p.value()));
        all.addAll(net.state());
        if (opt != null) all.addAll(opt.state(net.parameters()));
        return all;
    }

    public static void save(Path file, Sequential net, Optimizer opt, Map<String, String> extra) throws IOException {
        List<Layer.NamedTensor> ts = tensors(net, opt);
        JsonObject header = new JsonObject();
        JsonObject meta = new JsonObject();
        meta.addProperty(FORMAT, "1");
        meta.addProperty(NETWORK, net.description());
        if (opt != null) meta.addProperty(STEPS, Long.toString(opt.steps()));
        extra.forEach(meta::addProperty);
        header.add("__metadata__", meta);
        long offset = 0;
        for (Layer.NamedTensor t : ts) {
            JsonObject e = new JsonObject();
            e.addProperty("dtype", "F32");
            JsonArray shape = new JsonArray();
            for (int d : t.value().shape().dims()) shape.add(d);
            e.add("shape", shape);
            JsonArray off = new JsonArray();
            off.add(offset);
            off.add(offset + 4L * t.value().size());
            e.add("data_offsets", off);
            header.add(t.name(), e);
            offset += 4L * t.value().size();
        }
        byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;           // the format asks for 8-byte alignment of the data
        AtomicFiles.write(file, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
                head.putLong(padded).put(json);
                while (head.hasRemaining()) head.put((byte) ' ');
                head.flip();
                writeFully(ch, head);
                for (Layer.NamedTensor t : ts) {
                    float[] host = t.value().toArray();
                    ByteBuffer buf = ByteBuffer.allocate(4 * host.length).order(ByteOrder.LITTLE_ENDIAN);
                    buf.asFloatBuffer().put(host);
                    writeFully(ch, buf);
                }
            }
        });
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    /** A checkpoint's header: metadata and tensor entries, validated against the file, which it names for messages. */
    public record Header(Path file, Map<String, String> metadata, Map<String, Entry> entries, long dataStart) {
        public String network() { return metadata.get(NETWORK); }
    }

    public record Entry(int[] shape, long begin, long end) {}

    /**
     * The header of file, every claim checked against the file's length; an
     * InvalidFileException names the file and what is wrong, a FileAccessException the file
     * system's refusal ("reading FILE: no such file or directory").
     */
    public static Header readHeader(Path file) throws IOException {
        try {
            return readHeaderChecked(file);
        } catch (InvalidFileException e) {
            throw e;
        } catch (IOException e) {
            throw new FileAccessException("reading", file, e);
        }
    }

    private static Header readHeaderChecked(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new InvalidFileException(file, "is a directory, not a checkpoint");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new InvalidFileException(file, "too short for a safetensors checkpoint (" + size + " bytes)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long n = lenBuf.getLong(0);
            if (n <= 0 || n > MAX_HEADER || n > size - 8) {
                throw new InvalidFileException(file, "header length " + Long.toUnsignedString(n) + " does not fit a file of " + size + " bytes");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8, file);
            JsonObject root;
            try {
                JsonElement el = JsonParser.parseString(new String(hb.array(), StandardCharsets.UTF_8));
                if (!el.isJsonObject()) throw new InvalidFileException(file, "header is not a JSON object");
                root = el.getAsJsonObject();
            } catch (RuntimeException e) {
                throw new InvalidFileException(file, "header is not valid JSON (" + InvalidFileException.why(e) + ")");
            }
            Map<String, String> meta = new LinkedHashMap<>();
            Map<String, Entry> entries = new LinkedHashMap<>();
            long dataLen = size - 8 - n;
            try {
                for (var e : root.entrySet()) {
                    if (e.getKey().equals("__metadata__")) {
                        for (var m : e.getValue().getAsJsonObject().entrySet()) meta.put(m.getKey(), m.getValue().getAsString());
                        continue;
                    }
                    JsonObject o = e.getValue().getAsJsonObject();
                    if (!"F32".equals(o.get("dtype").getAsString())) {
                        throw new InvalidFileException(file, "tensor " + e.getKey() + " has dtype " + o.get("dtype") + ", only F32 is supported");
                    }
                    JsonArray sh = o.getAsJsonArray("shape"), off = o.getAsJsonArray("data_offsets");
                    int[] shape = new int[sh.size()];
                    long count = 1;
                    for (int i = 0; i < shape.length; i++) {
                        long d = sh.get(i).getAsLong();
                        if (d <= 0 || d > Integer.MAX_VALUE) throw new InvalidFileException(file, "tensor " + e.getKey() + " has dimension " + d);
                        shape[i] = (int) d;
                        count *= d;
                        if (count > Integer.MAX_VALUE) throw new InvalidFileException(file, "tensor " + e.getKey() + " is too large");
                    }
                    long begin = off.get(0).getAsLong(), end = off.get(1).getAsLong();
                    if (off.size() != 2 || begin < 0 || end > dataLen || end - begin != 4 * count) {
                        throw new InvalidFileException(file, "tensor " + e.getKey() + " has data_offsets [" + begin + ", " + end
                                + "] that do not fit its shape or the " + dataLen + " bytes of data");
                    }
                    entries.put(e.getKey(), new Entry(shape, begin, end));
                }
            } catch (InvalidFileException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new InvalidFileException(file, "header has an entry of the wrong form (" + InvalidFileException.why(e) + ")");
            }
            String format = meta.get(FORMAT);
            if (format != null && !format.equals("1")) {
                throw new InvalidFileException(file, "metadata " + FORMAT + " is '" + format + "': this version reads format 1");
            }
            return new Header(file, meta, entries, 8 + n);
        }
    }

    /**
     * Loads a checkpoint into a network (and optimizer state, when given). Refuses a file made
     * for another network, or one missing a tensor or with a tensor of another shape; nothing
     * is written into the network unless the whole file checks out.
     */
    public static Header load(Path file, Sequential net, Optimizer opt) throws IOException {
        try {
            return loadChecked(file, net, opt);
        } catch (InvalidFileException e) {
            throw e;
        } catch (IOException e) {
            throw new FileAccessException("reading", file, e);
        }
    }

    private static Header loadChecked(Path file, Sequential net, Optimizer opt) throws IOException {
        Header h = readHeader(file);
        if (!net.description().equals(h.network())) {
            throw new InvalidFileException(file, "was saved from network " + h.network() + ", not " + net.description());
        }
        List<Layer.NamedTensor> ts = tensors(net, opt);
        for (Layer.NamedTensor t : ts) {
            Entry e = h.entries().get(t.name());
            if (e == null) throw new InvalidFileException(file, "has no tensor '" + t.name() + "'" + (opt != null && t.name().contains(".opt")
                    ? " (optimizer state: was it saved with another optimizer?)" : ""));
            if (!java.util.Arrays.equals(e.shape(), t.value().shape().dims())) {
                throw new InvalidFileException(file, "tensor '" + t.name() + "' is " + java.util.Arrays.toString(e.shape())
                        + ", the network needs " + t.value().shape());
            }
        }
        List<float[]> data = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (Layer.NamedTensor t : ts) {
                Entry e = h.entries().get(t.name());
                ByteBuffer buf = ByteBuffer.allocate((int) (e.end() - e.begin())).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, buf, h.dataStart() + e.begin(), file);
                buf.flip();
                float[] host = new float[t.value().size()];
                buf.asFloatBuffer().get(host);
                for (int i = 0; i < host.length; i++) {
                    if (!Float.isFinite(host[i])) {
                        throw new InvalidFileException(file, "tensor '" + t.name() + "' holds " + host[i] + " at index " + i
                                + " (saved from a run that diverged?); only finite values load");
                    }
                }
                data.add(host);
            }
        }
        Long steps = opt == null ? null : steps(h);
        for (int i = 0; i < ts.size(); i++) net.backend().upload(data.get(i), 0, ts.get(i).value());
        if (steps != null) opt.restoreSteps(steps);
        return h;
    }

    /** The optimizer's step count the file records, or null if it records none; a value that is not a count names the field. */
    public static Long steps(Header h) throws InvalidFileException {
        String v = h.metadata().get(STEPS);
        if (v == null) return null;
        try {
            long n = Long.parseLong(v);
            if (n >= 0) return n;
        } catch (NumberFormatException e) {
            // named below
        }
        throw new InvalidFileException(h.file(), "metadata " + STEPS + " is '" + v + "', not a count of steps (0 or more)");
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) throw new InvalidFileException(file, "truncated");
            pos += n;
        }
    }
}
