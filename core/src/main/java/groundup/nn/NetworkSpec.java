package groundup.nn;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import groundup.errors.InvalidSettingException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a book network is: its name and options. Saved in checkpoints so a checkpoint can
 * rebuild its network and refuse to load into another.
 *
 * @param net       "two-layer", "mlp", "simple-cnn" or "deep-cnn"
 * @param hidden    hidden sizes of an mlp (empty for the others)
 * @param batchNorm mlp only: batch norm after each hidden Affine
 * @param dropout   mlp only: dropout ratio after each hidden activation, 0 for none
 *
 * <p>An option that does not apply to the network (hidden sizes for simple-cnn) is an
 * {@link InvalidSettingException}, as is a value out of range: "hidden", "batch_norm",
 * "dropout" or "net" names which.
 */
public record NetworkSpec(String net, List<Integer> hidden, boolean batchNorm, float dropout) {
    public static final List<String> NAMES = List.of("two-layer", "mlp", "simple-cnn", "deep-cnn");
    private static final Gson GSON = new Gson();

    public NetworkSpec {
        if (!NAMES.contains(net)) throw new InvalidSettingException("net", "net " + net + ": unknown network; choose one of " + NAMES);
        if (hidden != null && hidden.stream().anyMatch(java.util.Objects::isNull)) throw new InvalidSettingException("hidden", "hidden " + hidden + ": sizes must be numbers");
        hidden = hidden == null ? List.of() : List.copyOf(hidden);
        for (int h : hidden) if (h <= 0) throw new InvalidSettingException("hidden", "hidden " + hidden + ": sizes must be positive");
        if (!(dropout >= 0 && dropout < 1)) throw new InvalidSettingException("dropout", "dropout " + dropout + ": must be in [0, 1)");
        if (!net.equals("mlp")) {
            String why = ": applies to mlp only; " + net + " has the book's fixed layers";
            if (!hidden.isEmpty()) throw new InvalidSettingException("hidden", "hidden " + hidden + why);
            if (batchNorm) throw new InvalidSettingException("batch_norm", "batch_norm" + why);
            if (dropout != 0) throw new InvalidSettingException("dropout", "dropout " + dropout + why);
        }
    }

    public static NetworkSpec of(String net) {
        return new NetworkSpec(net, net.equals("mlp") ? List.of(100, 100, 100, 100) : List.of(), false, 0f);
    }

    /** simple-cnn and deep-cnn: the networks of chapter 7 and 8, built of convolutions. */
    public boolean convolutional() { return net.equals("simple-cnn") || net.equals("deep-cnn"); }

    public String toJson() { return GSON.toJson(this); }

    /**
     * Reads {@link #toJson} back. A description that is not one is an IllegalArgumentException;
     * one with a bad value is the constructor's InvalidSettingException.
     */
    public static NetworkSpec fromJson(String json) {
        JsonObject o;
        String net;
        List<Integer> hidden = new ArrayList<>();
        boolean batchNorm;
        float dropout;
        try {
            o = JsonParser.parseString(json).getAsJsonObject();
            net = o.get("net").getAsString();
            JsonElement h = o.get("hidden");
            if (h != null && !h.isJsonNull()) for (JsonElement e : h.getAsJsonArray()) hidden.add(e.getAsInt());
            batchNorm = o.has("batchNorm") && o.get("batchNorm").getAsBoolean();
            dropout = o.has("dropout") ? o.get("dropout").getAsFloat() : 0f;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a network description: " + json, e);
        }
        return new NetworkSpec(net, hidden, batchNorm, dropout);
    }
}
