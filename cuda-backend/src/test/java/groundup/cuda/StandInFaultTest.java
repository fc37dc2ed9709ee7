package groundup.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The host stand-in faults work that runs on freed device memory, as a GPU's memcheck would:
 * a graph replayed after a buffer it copies into was freed ends in CUDA_ERROR_ILLEGAL_ADDRESS
 * naming the copy (the launch case: BackendContract.aRecordedOptimizerStepOutlivesTenOtherParameterSets).
 */
@Tag("cuda-device")
class StandInFaultTest {
    @Test void aReplayedCopyIntoFreedMemoryIsAFault() throws Exception {
        String cannot = HostStandIn.installIfNoDriver();
        assumeTrue(cannot == null && HostStandIn.active(), "a check of the host stand-in; not active here");
        String out = ChildJvm.run(Map.of("LD_LIBRARY_PATH", HostStandIn.DIR.toString()),
                List.of("-Dgroundup.cuda.standin=off", "-Dgroundup.cuda.libpath=" + HostStandIn.DIR), ReplayAfterFree.class);
        assertTrue(out.contains("result=CUDA_ERROR_ILLEGAL_ADDRESS"), out);
        assertTrue(out.contains("cuMemcpyHtoDAsync: device memory at 0x") && out.contains("was freed before the copy ran"), out);
    }
}
