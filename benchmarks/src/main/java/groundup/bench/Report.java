package groundup.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns JMH's JSON into report.md and charts: per benchmark the CPU figure, the CUDA figure,
 * their ratio, PyTorch's figure when its results file is given, and the share of the
 * machine's ceiling. Figures are medians over the measured iterations, with their range.
 */
final class Report {
    private Report() {}


    static void write(Path jmhJson, Path out, Path pytorchJson, Ceilings ceilings) throws IOException {
        JsonArray runs = JsonParser.parseString(Files.readString(jmhJson)).getAsJsonArray();
        Map<String, ReportRow> rows = new LinkedHashMap<>();
        for (JsonElement e : runs) {
            JsonObject r = e.getAsJsonObject();
            String bench = r.get("benchmark").getAsString();
            String cls = bench.substring(bench.lastIndexOf('.', bench.lastIndexOf('.') - 1) + 1, bench.lastIndexOf('.'));
            String method = bench.substring(bench.lastIndexOf('.') + 1);
            JsonObject params = r.has("params") ? r.getAsJsonObject("params") : new JsonObject();
            String backend = params.has("backend") ? params.get("backend").getAsString() : "cpu";
            double[] ms = raw(r.getAsJsonObject("primaryMetric"));
            ReportRow row = row(cls, method, params);
            rows.computeIfAbsent(row.key(), k -> row).byBackend().put(backend, convert(ms, row));
        }
        Map<String, Figure> torch = pytorchJson == null ? Map.of() : readPytorch(pytorchJson);
        String torchLabel = pytorchJson == null ? null : pytorchLabel(pytorchJson);
        double bestGemm = rows.values().stream().filter(r -> r.group().equals("GEMM"))
                .flatMap(r -> r.byBackend().entrySet().stream()).filter(e -> e.getKey().equals("cpu"))
                .mapToDouble(e -> e.getValue().median()).max().orElse(0);
        double ceiling = Math.max(bestGemm, ceilings.gemmGflops());

        StringBuilder md = new StringBuilder();
        md.append("# GroundUp benchmark report\n\n");
        md.append("Generated ").append(LocalDate.now()).append(" from `").append(jmhJson.getFileName()).append("` by `groundup.bench.Report`.\n");
        md.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(System.getProperty("os.name")).append(" ").append(System.getProperty("os.arch"))
                .append(", Java ").append(Runtime.version()).append(". Ceilings: ").append(ceilings)
                .append("; compute: the faster of the best CPU GEMM of this run and the measured GEMM ceiling, ")
                .append(String.format(Locale.ROOT, "%.1f GFLOP/s", ceiling)).append(".\n\n");
        md.append("Each figure: median over the measured iterations, range in brackets. Speed ratios: how many times faster the first is")
                .append(" (above 1: faster). Empty CUDA columns: no CUDA backend could load on this machine.\n");
        if (torchLabel != null) md.append("PyTorch: ").append(torchLabel).append(".\n");
        String group = null;
        for (ReportRow r : rows.values()) {
            if (!r.group().equals(group)) {
                group = r.group();
                md.append("\n## ").append(group).append("\n\n");
                md.append("| benchmark | CPU | CUDA | CUDA speed / CPU | PyTorch | GroundUp speed / PyTorch | CPU share of ceiling |\n");
                md.append("|---|---|---|---|---|---|---|\n");
            }
            Figure cpu = r.byBackend().get("cpu"), cuda = r.byBackend().get("cuda"), pt = torch.get(r.key());
            String share = "";
            if (cpu != null && r.ceilingKind().equals("flops") && ceiling > 0) {
                double gf = cpu.unit().equals("GFLOP/s") ? cpu.median() : r.flopsOrBytes() / (cpu.median() * 1e6);
                share = String.format(Locale.ROOT, "%.0f%% of fp32 GEMM ceiling", 100 * gf / ceiling);
            } else if (cpu != null && r.ceilingKind().equals("bytes")) {
                share = String.format(Locale.ROOT, "%.0f%% of memory stream", 100 * cpu.median() / ceilings.memoryGBs());
            }
            md.append("| ").append(r.key())
                    .append(" | ").append(cpu == null ? "" : cpu.text())
                    .append(" | ").append(cuda == null ? "" : cuda.text())
                    .append(" | ").append(cpu != null && cuda != null ? String.format(Locale.ROOT, "%.2f", cuda.speedOver(cpu)) : "")
                    .append(" | ").append(pt == null ? "" : pt.text())
                    .append(" | ").append(pt != null && cpu != null ? String.format(Locale.ROOT, "%.2f", cpu.speedOver(pt)) : "")
                    .append(" | ").append(share).append(" |\n");
        }
        md.append("\n![GEMM](gemm.png)\n\n![training and inference](train.png)\n");
        Files.writeString(out.resolve("report.md"), md.toString());
        List<String> wrote = new ArrayList<>(List.of(out.resolve("report.md").toString()));
        if (Charts.bars(out.resolve("gemm.png"), "GEMM throughput (GFLOP/s, higher is better)", rows.values().stream()
                .filter(r -> r.group().equals("GEMM")).toList(), torch)) wrote.add(out.resolve("gemm.png").toString());
        if (Charts.bars(out.resolve("train.png"), "Training step and inference (images/s, higher is better)", rows.values().stream()
                .filter(r -> r.group().startsWith("Training") || r.group().startsWith("Inference")).toList(), torch)) {
            wrote.add(out.resolve("train.png").toString());
        }
        System.out.println("wrote " + String.join(", ", wrote));
    }

    private static double[] raw(JsonObject metric) {
        List<Double> v = new ArrayList<>();
        for (JsonElement fork : metric.getAsJsonArray("rawData")) for (JsonElement x : fork.getAsJsonArray()) v.add(x.getAsDouble());
        return v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    private static ReportRow row(String cls, String method, JsonObject p) {
        String shape = p.has("shape") ? p.get("shape").getAsString() : "";
        return switch (cls) {
            case "GemmBench" -> {
                int[] s = Fixtures.mnk(shape);
                yield new ReportRow("GEMM", "gemm " + shape, new LinkedHashMap<>(), 2.0 * s[0] * s[1] * s[2], "flops");
            }
            case "ConvBench" -> {
                String layer = p.get("layer").getAsString();
                int b = Integer.parseInt(p.get("batch").getAsString());
                int[] l = ConvBench.LAYERS.get(layer);
                int oh = l[1] + 2 * l[5] - l[4] + 1, ow = l[2] + 2 * l[5] - l[4] + 1;
                double fwd = 2.0 * b * oh * ow * l[3] * l[0] * l[4] * l[4];
                boolean dx = !p.has("dx") || p.get("dx").getAsBoolean();     // backward: dW (and dx) cost a forward each
                yield new ReportRow("Convolution (the backend's convolver)", "conv " + layer + " " + method + " b" + b + (dx ? "" : " no dx"),
                        new LinkedHashMap<>(), method.equals("forward") ? fwd : dx ? 2 * fwd : fwd, "flops");
            }
            case "Im2colBench" -> new ReportRow("im2col and col2im (ms)", method + " " + p.get("layer").getAsString() + " b" + p.get("batch").getAsString(),
                    new LinkedHashMap<>(), 0, "");
            case "PoolBench" -> new ReportRow("Max pooling 2x2", "pool " + p.get("input").getAsString() + " " + method, new LinkedHashMap<>(), 0, "");
            case "ElementwiseBench" -> {
                long n = Long.parseLong(p.get("n").getAsString());
                long bytes = switch (method) { case "relu" -> 8 * n; case "axpy", "reluBackward" -> 12 * n; default -> 28 * n; };
                yield new ReportRow("Elementwise and optimizer (GB/s)", method + " " + n, new LinkedHashMap<>(), bytes, "bytes");
            }
            case "TrainStepBench" -> new ReportRow("Training step (images/s)", "train " + p.get("net").getAsString() + " b" + p.get("batch").getAsString()
                    + (!p.has("precision") || p.get("precision").getAsString().equals("fp32") ? "" : " " + p.get("precision").getAsString()),
                    new LinkedHashMap<>(), Integer.parseInt(p.get("batch").getAsString()), "");
            case "InferenceBench" -> new ReportRow("Inference over 10,000 images (images/s)", "inference " + p.get("net").getAsString(),
                    new LinkedHashMap<>(), InferenceBench.IMAGES, "");
            default -> new ReportRow("Other", cls + "." + method, new LinkedHashMap<>(), 0, "");
        };
    }

    /** From ms per call to the row's unit. */
    private static Figure convert(double[] ms, ReportRow r) {
        double med = ms[ms.length / 2], lo = ms[0], hi = ms[ms.length - 1];
        return switch (r.group()) {
            case "GEMM" -> new Figure(r.flopsOrBytes() / (med * 1e6), r.flopsOrBytes() / (hi * 1e6), r.flopsOrBytes() / (lo * 1e6), "GFLOP/s", true);
            case "Elementwise and optimizer (GB/s)" ->
                    new Figure(r.flopsOrBytes() / (med * 1e6), r.flopsOrBytes() / (hi * 1e6), r.flopsOrBytes() / (lo * 1e6), "GB/s", true);
            case "Training step (images/s)", "Inference over 10,000 images (images/s)" ->
                    new Figure(r.flopsOrBytes() / (med / 1e3), r.flopsOrBytes() / (hi / 1e3), r.flopsOrBytes() / (lo / 1e3), "img/s", true);
            default -> new Figure(med, lo, hi, "ms", false);
        };
    }

    private static Map<String, Figure> readPytorch(Path f) throws IOException {
        JsonObject root = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
        Map<String, Figure> m = new LinkedHashMap<>();
        for (var e : root.getAsJsonObject("results").entrySet()) {
            JsonObject o = e.getValue().getAsJsonObject();
            String unit = o.get("unit").getAsString();
            m.put(e.getKey(), new Figure(o.get("median").getAsDouble(), o.get("min").getAsDouble(), o.get("max").getAsDouble(), unit, !unit.equals("ms")));
        }
        return m;
    }

    private static String pytorchLabel(Path f) throws IOException {
        JsonObject root = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
        return "torch " + root.get("torch").getAsString() + " on " + root.get("device").getAsString() + ", "
                + root.get("threads").getAsInt() + " threads (" + f.getFileName() + ")";
    }

}
