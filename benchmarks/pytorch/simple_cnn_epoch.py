#!/usr/bin/env python3
"""SimpleConvNet for one epoch in PyTorch, with GroundUp's settings, for a side-by-side timing.

Same network (conv 30x5x5 - ReLU - pool 2 - affine 100 - ReLU - affine 10), same init
(N(0, 0.01^2) weights, zero biases), Adam lr 0.001 (betas 0.9/0.999, eps 1e-7 as the book),
batch 100, one shuffled pass over the 60,000 training images. Prints one JSON line with the
seconds of the training pass alone (as GroundUp's summary reports it) and the test accuracy.

    python3 simple_cnn_epoch.py DATA_DIR [--threads N] [--device cpu|cuda] [--seed S]
"""
import argparse
import json
import os
import struct
import time

import numpy as np
import torch
from torch import nn


def idx(path, dims):
    with open(path, "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        assert magic == 0x800 + dims, f"{path}: magic {magic:#x}"
        shape = struct.unpack(">" + "I" * dims, f.read(4 * dims))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(shape)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dev = torch.device(a.device)
    x = torch.tensor(idx(os.path.join(a.data, "train-images-idx3-ubyte"), 3), dtype=torch.float32).div_(255).unsqueeze(1)
    y = torch.tensor(idx(os.path.join(a.data, "train-labels-idx1-ubyte"), 1), dtype=torch.long)
    tx = torch.tensor(idx(os.path.join(a.data, "t10k-images-idx3-ubyte"), 3), dtype=torch.float32).div_(255).unsqueeze(1)
    ty = torch.tensor(idx(os.path.join(a.data, "t10k-labels-idx1-ubyte"), 1), dtype=torch.long)
    x, y, tx, ty = x.to(dev), y.to(dev), tx.to(dev), ty.to(dev)
    net = nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
                        nn.Linear(30 * 12 * 12, 100), nn.ReLU(), nn.Linear(100, 10)).to(dev)
    for m in net:
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.01)
            nn.init.zeros_(m.bias)
    opt = torch.optim.Adam(net.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    batch = 100
    perm = torch.randperm(x.shape[0], device=dev)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    total = 0.0
    for i in range(0, x.shape[0], batch):
        idxs = perm[i:i + batch]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x[idxs]), y[idxs])
        loss.backward()
        opt.step()
        total += loss.item() * idxs.shape[0]   # read the loss every step, as GroundUp does
    if dev.type == "cuda":
        torch.cuda.synchronize()
    secs = time.perf_counter() - t0
    with torch.no_grad():
        correct = sum((net(tx[i:i + 1000]).argmax(1) == ty[i:i + 1000]).sum().item() for i in range(0, tx.shape[0], 1000))
    print(json.dumps({"framework": "pytorch " + torch.__version__, "device": str(dev), "threads": a.threads,
                      "seconds": secs, "images_per_second": x.shape[0] / secs,
                      "train_loss": total / x.shape[0], "test_accuracy": correct / tx.shape[0]}))


if __name__ == "__main__":
    main()
