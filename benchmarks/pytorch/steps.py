#!/usr/bin/env python3
"""PyTorch's side of benchmarks/compare-cpu-step.sh: the train step at batch 100 (forward, loss
read back, backward, Adam) and inference over 10,000 images in batches of 1,000 (predictions read
back), for SimpleConvNet and DeepConvNet, exactly as GroundUp's TrainStepBench and InferenceBench
measure them. Prints one JSON line: milliseconds per train step, seconds per inference pass,
medians over the timed rounds. Run it tuned (see ops.py): the script that calls it does.

    python3 steps.py --threads 2 [--rounds 5] [--precision fp32|bf16|fp32,bf16]

--precision bf16: the same steps under torch.autocast(device_type="cpu", dtype=torch.bfloat16),
as PyTorch's autocast documentation has CPU training run: forward and loss inside it, backward
and the optimizer outside; inference inside it too. Its keys carry " bf16" ("train simple-cnn
bf16 ms"); fp32's keep theirs. Each precision has its own model, from the same seed.

What autocast does on the CPU (torch 1.13, Debian's python3-torch, checked on an Intel Xeon with
AMX: the JSON's "autocast" records it for the run at hand): conv2d and linear run in bfloat16 on
oneDNN's bf16 kernels (brgconv / jit avx512_core_amx_bf16 for the convolutions forward, dx and
dW, brg avx512_core_amx_bf16 matmuls for linear), their fp32 weights cast to bf16 once a forward
(autocast's cache); their outputs are bfloat16, so ReLU, max pooling, dropout and flatten then
run on bfloat16 tensors, outside autocast's lists, in bf16 because their input is; cross_entropy
(log_softmax, nll_loss) is on autocast's fp32 list: the loss is float32. The backward runs the
same kernels in bf16, the casts' gradients turn the weights' gradients back into float32, and
Adam updates float32 weights. GroundUp's bf16 differs: only the products' inputs are rounded,
every activation stays float32.
"""
import argparse
import contextlib
import ctypes
import json
import os
import statistics
import sys
import tempfile

import torch
import torch.nn.functional as F

from ops import net, timed, train_step, UNTUNED

AUTOCAST = {"fp32": None, "bf16": torch.bfloat16}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--precision", default="fp32", help="fp32, bf16 (torch.autocast's bfloat16), or both: fp32,bf16")
    a = ap.parse_args()
    precisions = a.precision.split(",")
    for p in precisions:
        if p not in AUTOCAST:
            ap.error(f"--precision {p}: expected fp32 or bf16")
    torch.set_num_threads(a.threads)
    dev = torch.device("cpu")
    g = torch.Generator().manual_seed(1)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "mkldnn": torch.backends.mkldnn.is_available(),
           "tuned_as_pytorch_advises": not UNTUNED, "precisions": precisions}
    for name in ["simple-cnn", "deep-cnn"]:
        x, lab = torch.rand(100, 1, 28, 28, generator=g), torch.randint(0, 10, (100,), generator=g)
        batches = [torch.rand(1000, 1, 28, 28, generator=g) for _ in range(10)]
        for p in precisions:
            dtype, suffix = AUTOCAST[p], "" if p == "fp32" else f" {p}"
            cast = (lambda: torch.autocast(device_type="cpu", dtype=dtype)) if dtype else contextlib.nullcontext
            torch.manual_seed(1)
            model = net(name)
            opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
            if dtype is not None:
                out.setdefault("autocast", {})[name] = autocast_check(model, x, lab, cast)
            out[f"train {name}{suffix} ms"] = statistics.median(
                t * 1e3 for t in timed(train_step(model, opt, x, lab, dtype), dev, a.rounds, 1.0))
            model.eval()

            def infer():
                with torch.no_grad(), cast():
                    for xb in batches:
                        model(xb).argmax(1).numpy()
            out[f"inference {name}{suffix} s"] = statistics.median(timed(infer, dev, max(3, a.rounds // 2), 0.5))
            model.train()
    out["blas"] = blas_loaded()
    print(json.dumps(out))


def autocast_check(model, x, lab, cast):
    """What one train step under cast computes in: each layer's output dtype and the loss's, and
    the oneDNN kernels it runs (primitive, implementation, propagation, source type). A torch whose
    autocast leaves the convolutions in float32 would make the bf16 figures fp32's: that is said on
    stderr, and the record shows it."""
    seen = {}

    def record(m, inputs, output):    # returns None: a hook's value would replace the layer's output
        seen.setdefault(type(m).__name__, str(output.dtype).replace("torch.", ""))
    hooks = [m.register_forward_hook(record) for m in model]

    def step():
        with cast():
            loss = F.cross_entropy(model(x), lab)
        seen["cross_entropy"] = str(loss.dtype).replace("torch.", "")
        loss.backward()
        model.zero_grad(set_to_none=True)
    try:
        step()                  # oneDNN's kernels made once, before the step that is logged
        kernels = onednn_kernels(step)
    finally:
        for h in hooks:
            h.remove()
    if seen.get("Conv2d") != "bfloat16":
        print(f"steps.py: warning: under autocast the convolutions' output is {seen.get('Conv2d')}, not bfloat16: "
              f"this torch does not run them in bf16", file=sys.stderr)
    return {"output_dtypes": seen, "onednn": kernels}


def onednn_kernels(fn):
    """The oneDNN products one call of fn runs, from oneDNN's verbose log (which it prints on the
    process's stdout, fd 1, taken aside meanwhile): 'convolution brgconv:avx512_core_amx_bf16
    forward_training bf16', once each. Empty where the log cannot be had."""
    libc = ctypes.CDLL(None)
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with tempfile.TemporaryFile(mode="w+") as f:
            os.dup2(f.fileno(), 1)
            try:
                with torch.backends.mkldnn.verbose(torch.backends.mkldnn.VERBOSE_ON):
                    fn()
            finally:
                libc.fflush(None)
                os.dup2(saved, 1)
            f.seek(0)
            lines = f.read().splitlines()
    except (AssertionError, AttributeError, OSError):
        return []
    finally:
        os.close(saved)
    found = set()
    for line in lines:
        v = line.split(",")
        if "exec" not in v or "cpu" not in v:
            continue
        i = v.index("cpu", v.index("exec"))
        if i + 4 >= len(v) or v[i + 1] not in ("convolution", "matmul", "inner_product", "deconvolution"):
            continue
        src = next((d.split(":")[0][4:] for d in v[i + 4].split() if d.startswith("src_")), "?")
        found.add(f"{v[i + 1]} {v[i + 2]} {v[i + 3]} {src}")
    return sorted(found)


def blas_loaded():
    """The BLAS libraries this process mapped: Debian's torch calls whatever libblas.so.3 the
    system's alternatives select, and the reference BLAS there makes its convolutions ~8x slower
    (SimpleConvNet's step 88 against 11.5 ms with OpenBLAS): a figure must say which it had."""
    try:
        with open("/proc/self/maps") as f:
            return sorted({l.split()[-1] for l in f if "blas" in l.lower() and "/" in l})
    except OSError:
        return []


if __name__ == "__main__":
    main()
