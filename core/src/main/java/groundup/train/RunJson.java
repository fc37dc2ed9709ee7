package groundup.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;

/**
 * The JSON of a run's files (summary.json, a checkpoint's history): strict JSON that any parser
 * reads (jq, Python's json with NaN refused), in one key style, snake_case. A figure that does
 * not exist (a run without validation images: NaN in {@link EpochStats}) is written null and
 * read back as NaN; older files with NaN in them still read.
 */
public final class RunJson {
    private RunJson() {}

    private static final TypeAdapter<Double> FINITE_OR_NULL = new TypeAdapter<>() {
        @Override public void write(JsonWriter out, Double v) throws IOException {
            if (v == null || !Double.isFinite(v)) out.nullValue();
            else out.value(v);
        }

        @Override public Double read(JsonReader in) throws IOException {
            if (in.peek() == JsonToken.NULL) {
                in.nextNull();
                return Double.NaN;
            }
            return in.nextDouble();
        }
    };

    private static final TypeAdapter<Double> SEVEN_DIGITS = new TypeAdapter<>() {
        @Override public void write(JsonWriter out, Double v) throws IOException {
            if (v == null || !Double.isFinite(v)) out.nullValue();
            else out.value(new java.math.BigDecimal(v).round(new java.math.MathContext(7)).doubleValue());
        }

        @Override public Double read(JsonReader in) throws IOException { return FINITE_OR_NULL.read(in); }
    };

    /** Pretty-printed, for summary.json. */
    public static final Gson PRETTY = builder().setPrettyPrinting().create();

    /**
     * For the experiments' records, which hold long curves: Java's camelCase names in snake_case,
     * on one line ({@code jq .} prints it readably), numbers to 7 significant digits (they come
     * from float32, which holds about 7), not finite ones as null.
     */
    public static final Gson SNAKE_CASE = new GsonBuilder().serializeNulls()
            .setFieldNamingPolicy(com.google.gson.FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
            .registerTypeAdapter(double.class, SEVEN_DIGITS).registerTypeAdapter(Double.class, SEVEN_DIGITS).create();

    /** On one line, for checkpoint metadata. */
    public static final Gson COMPACT = builder().create();

    private static GsonBuilder builder() {
        return new GsonBuilder().serializeNulls().registerTypeAdapter(double.class, FINITE_OR_NULL).registerTypeAdapter(Double.class, FINITE_OR_NULL);
    }
}
