package groundup.nn;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.util.List;

/**
 * What a book network is: its name and options. Saved in checkpoints so a checkpoint can
 * rebuild its network and refuse to load into another.
 *
 * @param net       "two-layer", "mlp", "simple-cnn" or "deep-cnn"
 * @param hidden    hidden sizes of an mlp (ignored by the others)
 * @param batchNorm mlp only: batch norm after each hidden Affine
 * @param dropout   mlp only: dropout ratio after each hidden activation, 0 for none
 */
public record NetworkSpec(String net, List<Integer> hidden, boolean batchNorm, float dropout) {
    public static final List<String> NAMES = List.of("two-layer", "mlp", "simple-cnn", "deep-cnn");
    private static final Gson GSON = new Gson();

    public NetworkSpec {
        if (!NAMES.contains(net)) throw new IllegalArgumentException("unknown network '" + net + "'; choose one of " + NAMES);
        hidden = hidden == null ? List.of() : List.copyOf(hidden);
        for (int h : hidden) if (h <= 0) throw new IllegalArgumentException("hidden size " + h + " must be positive");
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout " + dropout + " must be in [0, 1)");
    }

    public static NetworkSpec of(String net) {
        return new NetworkSpec(net, net.equals("mlp") ? List.of(100, 100, 100, 100) : List.of(), false, 0f);
    }

    public String toJson() { return GSON.toJson(this); }

    public static NetworkSpec fromJson(String json) {
        try {
            NetworkSpec s = GSON.fromJson(json, NetworkSpec.class);
            if (s == null) throw new IllegalArgumentException("empty network description");
            return new NetworkSpec(s.net, s.hidden, s.batchNorm, s.dropout);
        } catch (JsonParseException | NullPointerException e) {
            throw new IllegalArgumentException("not a network description: " + json, e);
        }
    }
}
