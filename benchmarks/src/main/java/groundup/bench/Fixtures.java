package groundup.bench;

import groundup.backend.Backend;
import groundup.backend.Backends;
import groundup.backend.Precision;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.Random;

/** Setup shared by the benchmarks: backends by name, random tensors with fixed seeds. */
final class Fixtures {
    private Fixtures() {}

    static Backend backend(String name) { return Backends.create(name); }

    /**
     * The {@code precision} parameter parsed and checked against b (one it cannot run fails
     * the setup, saying why). Any other than fp32 prints how b runs it, for the log of the run:
     * "bf16 on oneDNN's AMX kernels" and "bf16 emulated" are not the same measurement.
     */
    static Precision precision(Backend b, String name) {
        Precision p = Precision.parse(name);
        String detail = b.precisionDetail(p);
        if (p != Precision.FP32) System.out.println("precision " + p + " on " + b.name() + ": " + detail);
        return p;
    }

    static Tensor random(Backend b, long seed, int... dims) {
        Tensor t = b.allocate(Shape.of(dims));
        Random r = new Random(seed);
        float[] v = new float[t.size()];
        for (int i = 0; i < v.length; i++) v[i] = r.nextFloat() - 0.5f;
        b.upload(v, 0, t);
        return t;
    }

    /** "MxNxK" to {M, N, K}. */
    static int[] mnk(String s) {
        String[] p = s.split("x");
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
    }
}
