package groundup.cuda;

import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * What the host stand-in counts ({@code graph.cpp}): kernel launches (ours and cuBLAS's), graph
 * launches, host synchronizations, copies and allocations, read through cuCtxGetLimit with the
 * stand-in's own limit codes (no driver has them). A snapshot; {@link #minus} gives what happened
 * between two. Only where {@link HostStandIn#active()}: a GPU's driver counts nothing for us.
 */
record StandInCounters(long launches, long graphLaunches, long syncs, long copies, long allocations) {
    private static final int GU_LIMIT = 0x47550000;        // graph.cpp's GU_LIMIT + GuCounter

    static StandInCounters now() {
        long[] v = new long[5];
        for (int i = 0; i < v.length; i++) {
            long[] one = new long[1];
            int r = JCudaDriver.cuCtxGetLimit(one, GU_LIMIT + i);
            if (r != CUresult.CUDA_SUCCESS) throw new IllegalStateException("the stand-in's counter " + i + ": " + CUresult.stringFor(r));
            v[i] = one[0];
        }
        return new StandInCounters(v[0], v[1], v[2], v[3], v[4]);
    }

    StandInCounters minus(StandInCounters o) {
        return new StandInCounters(launches - o.launches, graphLaunches - o.graphLaunches, syncs - o.syncs, copies - o.copies,
                allocations - o.allocations);
    }

    /** Each count divided by n, as a row of a markdown table: launches, graph launches, syncs, copies, allocations. */
    String perStep(double n) {
        return String.format(java.util.Locale.ROOT, "| %.2f | %.2f | %.2f | %.2f | %.2f |", launches / n, graphLaunches / n, syncs / n, copies / n,
                allocations / n);
    }
}
