package groundup.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuGetErrorString;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;

/**
 * Run by {@link StandInFaultTest} in a JVM of its own (the fault is sticky, as on a GPU, so it
 * would poison every later test in a shared one): a graph that holds an upload from pinned memory,
 * replayed after its destination was freed. Prints the synchronization's result and its text.
 */
final class ReplayAfterFree {
    private ReplayAfterFree() {}

    public static void main(String[] args) {
        CUdevice device = new CUdevice();
        CUcontext context = new CUcontext();
        CUstream stream = new CUstream();
        ok(cuInit(0), "cuInit");
        ok(cuDeviceGet(device, 0), "cuDeviceGet");
        ok(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        ok(cuCtxSetCurrent(context), "cuCtxSetCurrent");
        ok(cuStreamCreate(stream, 0), "cuStreamCreate");
        CUdeviceptr dst = new CUdeviceptr();
        Pointer host = new Pointer();
        ok(cuMemAlloc(dst, 64), "cuMemAlloc");
        ok(cuMemAllocHost(host, 64), "cuMemAllocHost");
        ok(cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_GLOBAL), "cuStreamBeginCapture");
        ok(cuMemcpyHtoDAsync(dst, host, 64, stream), "cuMemcpyHtoDAsync (captured)");
        CUgraph graph = new CUgraph();
        ok(cuStreamEndCapture(stream, graph), "cuStreamEndCapture");
        CUgraphExec exec = new CUgraphExec();
        ok(cuGraphInstantiate(exec, graph, 0), "cuGraphInstantiate");
        ok(cuGraphLaunch(exec, stream), "cuGraphLaunch (dst live)");
        ok(cuStreamSynchronize(stream), "cuStreamSynchronize (dst live)");
        ok(cuMemFree(dst), "cuMemFree");
        ok(cuGraphLaunch(exec, stream), "cuGraphLaunch (dst freed)");
        int r = cuStreamSynchronize(stream);
        String[] text = new String[1];
        cuGetErrorString(r, text);
        System.out.println("result=" + CUresult.stringFor(r));
        System.out.println("text=" + text[0]);
    }

    private static void ok(int r, String what) {
        if (r != CUresult.CUDA_SUCCESS) throw new IllegalStateException(what + ": " + CUresult.stringFor(r));
    }
}
