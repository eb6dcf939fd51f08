"""PyTorch's CPU convolution on the shapes of `spikegrad bench --workloads conv` (bench/conv.ts): forward, input
gradient and weight gradient, each alone, median of 3 after a warm-up, GFLOP/s counted as bench/conv.ts counts
them (2 per multiply-add of the direct convolution). Run with the Python peers' environment:
    bench/peers/python/.venv/bin/python bench/experiments/torchConv.py
`spikegrad bench --workloads conv` runs it with its own shapes as JSON in argv[1] ([{label, x, w, padding,
spikes}], bench/conv.ts CONV_SHAPES) and reads one JSON line per kernel and shape; torch uses 2 threads
(the CPU backend's cores on this machine) unless argv[2] says otherwise.
"""
import json
import statistics
import sys
import time

import torch

SHAPES = [
    ("digits conv1 [512,1,28,28]*[12,1,5,5]", (512, 1, 28, 28), (12, 1, 5, 5), 0, None),
    ("digits conv2 [512,12,12,12]*[64,12,5,5], 10% spikes", (512, 12, 12, 12), (64, 12, 5, 5), 0, 0.1),
    ("128ch 3x3 [32,128,16,16]*[128,128,3,3]", (32, 128, 16, 16), (128, 128, 3, 3), 1, None),
]

as_json = len(sys.argv) > 1
if as_json:
    SHAPES = [(s["label"], tuple(s["x"]), tuple(s["w"]), s["padding"], s.get("spikes")) for s in json.loads(sys.argv[1])]
    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
torch.manual_seed(0)
if as_json:
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}))
else:
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
for label, xs, ws, pad, spikes in SHAPES:
    x = (torch.rand(xs) < spikes).float() if spikes else torch.rand(xs)
    w = torch.rand(ws) * 0.2 - 0.1
    oh = xs[2] + 2 * pad - ws[2] + 1
    dy = torch.rand((xs[0], ws[0], oh, oh)) * 2 - 1
    flops = 2 * xs[0] * ws[0] * oh * oh * ws[1] * ws[2] * ws[3]
    cases = {
        "forward": lambda: torch.nn.functional.conv2d(x, w, padding=pad),
        "input gradient": lambda: torch.nn.grad.conv2d_input(xs, w, dy, padding=pad),
        "weight gradient": lambda: torch.nn.grad.conv2d_weight(x, ws, dy, padding=pad),
    }
    for name, fn in cases.items():
        fn()
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1000)
        med = statistics.median(times)
        if as_json:
            print(json.dumps({"kernel": name, "shape": label, "ms": med, "gflops": flops / med / 1e6}))
        else:
            print(f"{name:16s} {label:55s} {med:8.0f} ms {flops / med / 1e6:6.2f} GFLOP/s")
