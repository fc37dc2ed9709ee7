#!/usr/bin/env python3
"""SimpleConvNet in PyTorch with GroundUp's settings, for a side-by-side timing: the train step at
batch 100, eager and captured in a CUDA graph, then one epoch.

Same network (conv 30x5x5 - ReLU - pool 2 - affine 100 - ReLU - affine 10), same init
(N(0, 0.01^2) weights, zero biases), Adam lr 0.001 (betas 0.9/0.999, eps 1e-7 as the book),
batch 100. Before anything is timed, a throwaway copy of the network trains --warmup steps (30)
to set up the CUDA context, cuDNN's and cuBLAS's handles and algorithm choices and the caching
allocator, and each timed step runs a few times untimed first: no figure holds a first call's cost.

step_ms (one fixed batch on the device; median over --rounds rounds of at least 0.2 s each, ops.timed):
  eager        forward, loss, backward, Adam, the loss read back every step (as GroundUp's TrainStepBench)
  eager_async  the same without the read: one synchronization per round
  graph        the whole step captured once as a CUDA graph (torch.cuda.graph; Adam(capturable=True),
               its step count on the device) and replayed, nothing read (CUDA only, else null)
  graph_read   a replay and the loss read back (CUDA only)
epoch: a fresh network, --epochs (1) shuffled passes over the training images (--train-limit N: the
first N), the loss read every step; seconds of each training pass alone, as GroundUp's summary
reports them ("seconds": the first, "epoch_seconds": each), and the test accuracy at the end.
Prints one JSON line.

    python3 simple_cnn_epoch.py DATA_DIR [--device cpu|cuda] [--threads N] [--seed S] [--rounds R] [--warmup N]
                                [--train-limit N] [--no-step] [--epochs N]

--no-step: the epochs alone (still after the warm-up); step_ms is then null. --no-step --warmup 0:
nothing before the first epoch but loading the data, as in a fresh `groundup train`: the first
epoch then pays what a process's first steps cost (oneDNN's primitives made, the allocator's
first buffers), as GroundUp's first epoch pays its JIT compilation.
"""
import argparse
import json
import os
import statistics
import struct
import time

import numpy as np
import torch
from torch import nn

from ops import net as ops_net, timed

BATCH = 100


def idx(path, dims):
    with open(path, "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        assert magic == 0x800 + dims, f"{path}: magic {magic:#x}"
        shape = struct.unpack(">" + "I" * dims, f.read(4 * dims))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(shape)


def network(dev, capturable=False):
    net = ops_net("simple-cnn").to(dev)
    for m in net:
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.01)
            nn.init.zeros_(m.bias)
    opt = torch.optim.Adam(net.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-7, capturable=capturable)
    return net, opt


def step_fn(net, opt, loss_fn, x, y, read):
    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        if read:
            loss.item()
    return step


def graph_step(net, opt, loss_fn, x, y):
    """The step captured as a CUDA graph (PyTorch's whole-network recipe); returns (replay, the loss tensor it writes)."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):                 # warm up on a side stream, as capture requires
        for _ in range(3):
            step_fn(net, opt, loss_fn, x, y, False)()
    torch.cuda.current_stream().wait_stream(side)
    g = torch.cuda.CUDAGraph()
    opt.zero_grad(set_to_none=True)               # the captured backward allocates the gradients from the graph's pool
    with torch.cuda.graph(g):
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
    return g.replay, loss


def ms_per_call(fn, dev, rounds):
    return statistics.median(timed(fn, dev, rounds)) * 1e3     # after 3 untimed calls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--train-limit", type=int, default=None)
    ap.add_argument("--no-step", action="store_true")
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--epochs", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dev = torch.device(a.device)
    cuda = dev.type == "cuda"
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    x = torch.tensor(idx(os.path.join(a.data, "train-images-idx3-ubyte"), 3), dtype=torch.float32).div_(255).unsqueeze(1)
    y = torch.tensor(idx(os.path.join(a.data, "train-labels-idx1-ubyte"), 1), dtype=torch.long)
    tx = torch.tensor(idx(os.path.join(a.data, "t10k-images-idx3-ubyte"), 3), dtype=torch.float32).div_(255).unsqueeze(1)
    ty = torch.tensor(idx(os.path.join(a.data, "t10k-labels-idx1-ubyte"), 1), dtype=torch.long)
    if a.train_limit:
        x, y = x[:a.train_limit], y[:a.train_limit]
    x, y, tx, ty = x.to(dev), y.to(dev), tx.to(dev), ty.to(dev)
    loss_fn = nn.CrossEntropyLoss()
    bx, by = x[:BATCH].clone(), y[:BATCH].clone()

    net, opt = network(dev)                       # the throwaway: warm-up, then the eager step timings
    warm = step_fn(net, opt, loss_fn, bx, by, True)
    for _ in range(a.warmup):
        warm()
    sync()
    step_ms = None if a.no_step else {"eager": ms_per_call(step_fn(net, opt, loss_fn, bx, by, True), dev, a.rounds),
                                      "eager_async": ms_per_call(step_fn(net, opt, loss_fn, bx, by, False), dev, a.rounds),
                                      "graph": None, "graph_read": None}
    if cuda and not a.no_step:
        gnet, gopt = network(dev, capturable=True)
        replay, gloss = graph_step(gnet, gopt, loss_fn, bx, by)
        step_ms["graph"] = ms_per_call(replay, dev, a.rounds)
        step_ms["graph_read"] = ms_per_call(lambda: (replay(), gloss.item()), dev, a.rounds)

    torch.manual_seed(a.seed)
    net, opt = network(dev)
    epoch_seconds = []
    for _ in range(a.epochs):
        perm = torch.randperm(x.shape[0], device=dev)
        sync()
        t0 = time.perf_counter()
        total = 0.0
        for i in range(0, x.shape[0], BATCH):
            idxs = perm[i:i + BATCH]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(x[idxs]), y[idxs])
            loss.backward()
            opt.step()
            total += loss.item() * idxs.shape[0]  # read the loss every step, as GroundUp does
        sync()
        epoch_seconds.append(time.perf_counter() - t0)
    secs = epoch_seconds[0]
    with torch.no_grad():
        correct = sum((net(tx[i:i + 1000]).argmax(1) == ty[i:i + 1000]).sum().item() for i in range(0, tx.shape[0], 1000))
    print(json.dumps({"framework": "pytorch " + torch.__version__,
                      "device": str(dev) + (" " + torch.cuda.get_device_name() if cuda else ""), "threads": a.threads,
                      "warmup_steps": a.warmup, "step_ms": step_ms, "seconds": secs, "epoch_seconds": epoch_seconds,
                      "images_per_second": x.shape[0] / secs,
                      "train_loss": total / x.shape[0], "test_accuracy": correct / tx.shape[0]}))


if __name__ == "__main__":
    main()
