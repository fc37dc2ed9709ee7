package groundup.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.backend.UpdateRule;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What the Java side assumes of kernels.ptx, checked without a device. */
class CudaKernelsTest {
    private static String ptx() {
        byte[] p = CudaKernels.ptx();
        return new String(p, 0, p.length - 1, StandardCharsets.US_ASCII);
    }

    @Test void signaturesAreReadFromThePtx() {
        Map<String, int[]> sig = CudaKernels.signatures();
        assertEquals(37, sig.size(), sig.keySet().toString());
        assertArrayEquals(new int[] {8, 8, 8}, sig.get("tanh_fwd"), "tanh_fwd(const float*, float*, long long)");
        assertArrayEquals(new int[] {8, 8, 4}, sig.get("fill_f32"), "fill_f32(float*, long long, float)");
        assertArrayEquals(new int[] {8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4, 4}, sig.get("bn_train"), "8 pointers, N C S, momentum eps");
        assertArrayEquals(new int[] {8, 8, 8}, sig.get("round_to_bf16"), "round_to_bf16(const unsigned int*, unsigned int*, long long)");
        assertArrayEquals(new int[] {8, 8, 8, 8, 8, 4, 8}, sig.get("dropout_fwd"), "x step mask y, long long n, float ratio, u64 seed");
    }

    /** Every __shared__ reduction array holds REDUCE_THREADS doubles: the Java block sizes may not exceed it. */
    @Test void reductionBlocksFitTheirSharedArrays() {
        Matcher m = Pattern.compile("\\.shared \\.align 8 \\.b8 (\\w+)\\[(\\d+)\\]").matcher(ptx());
        Set<String> arrays = new HashSet<>();
        while (m.find()) {
            arrays.add(m.group(1));
            assertEquals(8 * CudaBackend.REDUCE_THREADS, Integer.parseInt(m.group(2)), m.group(1) + " holds REDUCE_THREADS doubles");
        }
        assertEquals(5, arrays.size(), "dot_partial, mean_f64, count_equal, bn_train, bn_bwd: " + arrays);
        for (long work : new long[] {1, 31, 32, 33, 100, 255, 256, 257, 1_000_000}) {
            int t = CudaBackend.reduceThreads(work);
            assertTrue(t >= 32 && t <= CudaBackend.REDUCE_THREADS && Integer.bitCount(t) == 1, work + " -> " + t + " threads");
            assertTrue(t >= Math.min(work, CudaBackend.REDUCE_THREADS), work + " -> " + t + " threads leaves work for a second pass");
        }
    }

    /** Each optimizer kind has a code of its own (the contract suite runs each kind's step on CUDA against the reference). */
    @Test void optimizerCodesAreDistinct() {
        Set<Integer> codes = new HashSet<>();
        for (UpdateRule.Kind k : UpdateRule.Kind.values()) assertTrue(codes.add(CudaBackend.optimizerCode(k)), k + " has its own code");
    }
}
