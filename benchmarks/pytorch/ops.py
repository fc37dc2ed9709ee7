#!/usr/bin/env python3
"""PyTorch's figures for the benchmarks of GroundUp's JMH suite, under the same keys, so that
groundup.bench.Report can put them side by side (report.md's PyTorch columns).

    python3 ops.py quick|full --out benchmarks/results/quick/pytorch-cpu.json [--device cpu|cuda] [--threads N]

Each figure: median of `rounds` timed rounds after warm-up, with min and max, in the unit the
report uses (GFLOP/s, ms, GB/s, img/s). Same shapes, same batch sizes, float32, eager mode.

On the CPU, run it as PyTorch's performance guide advises, or the comparison flatters GroundUp:

    OPENBLAS_NUM_THREADS=1 MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296 python3 ops.py ...

(torch parallelizes with OpenMP, so OpenBLAS gets one thread; glibc keeps large buffers rather
than returning them to the kernel every step). The JSON records the environment it ran with.
"""
import argparse
import json
import os
import statistics
import sys
import time

TUNED = {"OPENBLAS_NUM_THREADS": "1", "MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "4294967296"}
UNTUNED = {k: os.environ.get(k) for k, v in TUNED.items() if os.environ.get(k) != v}
if UNTUNED:
    print(f"ops.py: warning: PyTorch is not set up as its CPU guide advises ({UNTUNED}); "
          f"set {' '.join(k + '=' + v for k, v in TUNED.items())} for a fair comparison", file=sys.stderr)

import torch
import torch.nn.functional as F
from torch import nn

QUICK = dict(gemm=["256x256x256", "1024x1024x1024", "57600x30x25", "78400x16x144"], conv=["simple", "deep2"],
             pool=["simple"], n=[16777216], nets=["simple-cnn", "deep-cnn"], batches=[100])
FULL = dict(gemm=["128x128x128", "256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048", "4096x4096x4096",
                  "57600x30x25", "78400x16x9", "78400x16x144", "19600x32x144", "25600x32x288", "6400x64x288", "6400x64x576"],
            conv=["simple", "deep1", "deep2", "deep3", "deep4", "deep5", "deep6"], pool=["simple", "deep1"],
            n=[1048576, 4194304, 16777216], nets=["simple-cnn", "deep-cnn"], batches=[100, 1000])
LAYERS = {"simple": (1, 28, 28, 30, 5, 0), "deep1": (1, 28, 28, 16, 3, 1), "deep2": (16, 28, 28, 16, 3, 1),
          "deep3": (16, 14, 14, 32, 3, 1), "deep4": (32, 14, 14, 32, 3, 2), "deep5": (32, 8, 8, 64, 3, 1),
          "deep6": (64, 8, 8, 64, 3, 1)}


def timed(fn, dev, rounds, min_seconds=0.2):
    """Seconds per call: calls per round chosen to last min_seconds; median, min, max over rounds."""
    sync = (lambda: torch.cuda.synchronize()) if dev.type == "cuda" else (lambda: None)
    for _ in range(3):
        fn()
    sync()
    t0 = time.perf_counter()
    fn()
    sync()
    per = max(1, int(min_seconds / max(time.perf_counter() - t0, 1e-6)))
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(per):
            fn()
        sync()
        out.append((time.perf_counter() - t0) / per)
    return out


def fig(values, unit):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "unit": unit}


def net(name):
    if name == "simple-cnn":
        return nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4320, 100), nn.ReLU(),
                             nn.Linear(100, 10))
    c = lambda i, o, p=1: [nn.Conv2d(i, o, 3, padding=p), nn.ReLU()]
    return nn.Sequential(*c(1, 16), *c(16, 16), nn.MaxPool2d(2), *c(16, 32), *c(32, 32, 2), nn.MaxPool2d(2), *c(32, 64),
                         *c(64, 64), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1024, 50), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(50, 10), nn.Dropout(0.5))


def train_step(model, opt, x, lab, autocast=None):
    """One step as GroundUp's TrainStepBench takes it: forward, loss read back, backward, update.
    autocast (a dtype: torch.bfloat16): forward and loss under torch.autocast, backward and the
    update outside it, as PyTorch's autocast documentation has CPU training do."""
    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), lab)
        loss.backward()
        opt.step()
        loss.item()

    def step_autocast():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type=x.device.type, dtype=autocast):
            loss = F.cross_entropy(model(x), lab)
        loss.backward()
        opt.step()
        loss.item()
    return step if autocast is None else step_autocast


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("profile", choices=["quick", "full"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    p = QUICK if a.profile == "quick" else FULL
    g = torch.Generator().manual_seed(1)
    rnd = lambda *s: (torch.rand(*s, generator=g) - 0.5).to(dev)
    res = {}
    for shape in p["gemm"]:
        m, n, k = map(int, shape.split("x"))
        A, B = rnd(m, k), rnd(k, n)
        res[f"gemm {shape}"] = fig([2.0 * m * n * k / t / 1e9 for t in timed(lambda: A @ B, dev, a.rounds)], "GFLOP/s")
    for layer in p["conv"]:
        c, h, w, f, k, pad = LAYERS[layer]
        for b in p["batches"]:
            x = rnd(b, c, h, w)
            conv = nn.Conv2d(c, f, k, padding=pad).to(dev)
            res[f"conv {layer} forward b{b}"] = fig([t * 1e3 for t in timed(lambda: conv(x), dev, a.rounds)], "ms")
            x.requires_grad_(True)   # ConvBench's standalone layer computes dx too
            y = conv(x)
            dy = torch.rand_like(y)
            # backward alone: the graph of one forward, replayed (retain_graph) each call
            res[f"conv {layer} backward b{b}"] = fig([t * 1e3 for t in timed(
                lambda: torch.autograd.grad(y, [x, conv.weight, conv.bias], dy, retain_graph=True), dev, a.rounds)], "ms")
            x.requires_grad_(False)
    for inp in p["pool"]:
        x = rnd(100, 30, 24, 24) if inp == "simple" else rnd(100, 16, 28, 28)
        res[f"pool {inp} forward"] = fig([t * 1e3 for t in timed(lambda: F.max_pool2d(x, 2), dev, a.rounds)], "ms")
        xr = x.clone().requires_grad_(True)
        yp = F.max_pool2d(xr, 2)
        dy = torch.rand_like(yp)
        res[f"pool {inp} backward"] = fig([t * 1e3 for t in timed(
            lambda: torch.autograd.grad(yp, xr, dy, retain_graph=True), dev, a.rounds)], "ms")
    for n in p["n"]:
        x, y, m, v = rnd(n), rnd(n), rnd(n), torch.full((n,), 0.25, device=dev)
        res[f"relu {n}"] = fig([8 * n / t / 1e9 for t in timed(lambda: torch.clamp(x, min=0, out=y), dev, a.rounds)], "GB/s")
        res[f"axpy {n}"] = fig([12 * n / t / 1e9 for t in timed(lambda: y.add_(x, alpha=1e-9), dev, a.rounds)], "GB/s")
        param = nn.Parameter(y.clone())
        param.grad = x.clone()
        opt = torch.optim.Adam([param], lr=1e-3, eps=1e-7)
        res[f"adamStep {n}"] = fig([28 * n / t / 1e9 for t in timed(opt.step, dev, a.rounds)], "GB/s")
    for name in p["nets"]:
        model = net(name).to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        for b in p["batches"]:
            x, lab = torch.rand(b, 1, 28, 28, generator=g).to(dev), torch.randint(0, 10, (b,), generator=g).to(dev)
            step = train_step(model, opt, x, lab)
            res[f"train {name} b{b}"] = fig([b / t for t in timed(step, dev, a.rounds)], "img/s")
        batches = [torch.rand(1000, 1, 28, 28, generator=g).to(dev) for _ in range(10)]
        model.eval()
        def infer():
            with torch.no_grad():
                for xb in batches:
                    model(xb).argmax(1).cpu()
        res[f"inference {name}"] = fig([10000 / t for t in timed(infer, dev, a.rounds, 0.5)], "img/s")
        model.train()
    out = {"torch": torch.__version__, "device": str(dev) + ("" if dev.type != "cuda" else " " + torch.cuda.get_device_name()),
           "threads": a.threads, "profile": a.profile, "environment": {k: os.environ.get(k) for k in TUNED},
           "tuned_as_pytorch_advises": not UNTUNED, "results": res}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {a.out}: {len(res)} figures")


if __name__ == "__main__":
    main()
