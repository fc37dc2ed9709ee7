#!/usr/bin/env python3
"""PyTorch's side of benchmarks/compare-cpu-step.sh: the train step at batch 100 (forward, loss
read back, backward, Adam) and inference over 10,000 images in batches of 1,000 (predictions read
back), for SimpleConvNet and DeepConvNet, exactly as GroundUp's TrainStepBench and InferenceBench
measure them. Prints one JSON line: milliseconds per train step, seconds per inference pass,
medians over the timed rounds. Run it tuned (see ops.py): the script that calls it does.

    python3 steps.py --threads 2 [--rounds 5]
"""
import argparse
import json
import statistics

import torch

from ops import net, timed, train_step, UNTUNED


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dev = torch.device("cpu")
    g = torch.Generator().manual_seed(1)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "mkldnn": torch.backends.mkldnn.is_available(),
           "tuned_as_pytorch_advises": not UNTUNED}
    for name in ["simple-cnn", "deep-cnn"]:
        model = net(name)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        x, lab = torch.rand(100, 1, 28, 28, generator=g), torch.randint(0, 10, (100,), generator=g)
        out[f"train {name} ms"] = statistics.median(t * 1e3 for t in timed(train_step(model, opt, x, lab), dev, a.rounds, 1.0))
        batches = [torch.rand(1000, 1, 28, 28, generator=g) for _ in range(10)]
        model.eval()

        def infer():
            with torch.no_grad():
                for xb in batches:
                    model(xb).argmax(1).numpy()
        out[f"inference {name} s"] = statistics.median(timed(infer, dev, max(3, a.rounds // 2), 0.5))
        model.train()
    out["blas"] = blas_loaded()
    print(json.dumps(out))


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
