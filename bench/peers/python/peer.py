"""The Python peers of `spikegrad bench --peers`: one job per process, given as JSON in argv[1]; answers JSON
lines on stdout ({"type": "ready" | "check" | "result" | "error", ...}), as bench/peers/python.ts reads them.

Jobs (bench/peers/python.ts writes the data, drawn by spikegrad's own generator, to a safetensors file):
  workload 'seed' / 'wide' (docs/numerics.md §0's network: Linear → Expon → LIF → Linear → Expon, the time-averaged readout,
    cross-entropy, Adam), framework
      'pytorch'  plain PyTorch, eager, one Python loop over the T steps (what an snnTorch user's loop runs:
                 snnTorch's neurons do not have the exponential-Euler synapse of this network, so the same
                 equations are written in torch ops; the surrogate is a torch.autograd.Function)
      'brainpy'  BrainPy's state stack on JAX: brainstate ParamStates and grad, braintools' ReluGrad and
                 Adam, the time loop a jax.lax.scan, the train step jit-compiled (brainpy.state's own LIF and
                 Expon classes need its brainpy_state package; where that is missing the same equations run
                 on brainstate directly, and the label says so)
    `check`: loss and gradients on the check problem (compared by the caller with the float64 reference), then
    timed training steps on the workload problem.
  workload 'digits' (the digit classifier of spikegrad's train/digits.ts: 784 → 128 LIF → 10 leaky readout,
    T = 25 rate-coded steps, batch 128, Adam lr 2e-3, cross-entropy of the time-averaged readout), framework
      'snntorch' snntorch.Leaky(β = 0.95, atan surrogate, reset subtracted and detached), the readout a Leaky
                 with reset_mechanism 'none'; spikes from snntorch.spikegen.rate
    timed: whole training epochs over the same 8,000 images (shuffled per epoch), then the test accuracy.
  workload 'rnn' (bench/peers/rnn.ts: a recurrent LIF layer 64 → 256, all-to-all, T = 1,000, B = 32, Poisson
    input; V_t = β·V_{t−1} + x_t·W_in + b + s_{t−1}·W_rec − s_{t−1} with the reset detached, s_t = H(V_t − 1),
    arctan surrogate α = 2; loss = the mean of the spikes), forward + backward (gradients of W_in, b, W_rec; no
    optimizer step), framework
      'snntorch' snntorch.RLeaky(all_to_all=True, reset by subtraction), its recurrent nn.Linear holding W_recᵀ
                 with the bias fixed at 0 (b is the input layer's), a Python loop over the T steps
      'brainpy'  plain JAX on BrainPy's state stack: brainstate ParamStates and grad, braintools' Arctan
                 surrogate, the time loop a jax.lax.scan, jit-compiled (brainpy.state has no recurrent LIF layer
                 to use here, so the same equations are written in jax.numpy)
    `check`: loss and gradients on the check problem (compared with rnn.ts's float64 reference), then timed steps.
  workload 'csnn' (snnTorch's CSNN tutorial network, 12C5-MP2-64C5-MP2-1024FC10, as spikegrad's `train digits
    --model csnn --encoder direct --loss ce-rate`: the image fed at each of T steps, Leaky(β, atan surrogate,
    reset subtracted and detached) after each pooled convolution and the output layer, snntorch.functional's
    ce_rate_loss, Adam), framework 'snntorch'; timed: `epochs` passes over the first `batches` batches of a
    shuffled order (a part of an epoch, for a loaded machine), then the test accuracy on `testImages` images.

`python peer.py --versions` prints the frameworks this environment has.
"""
import json
import os
import sys
import time


def emit(msg):
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def versions():
    out = {}
    for name in ("torch", "snntorch", "jax", "brainstate", "braintools", "brainunit", "brainpy"):
        try:
            mod = __import__(name)
            out[name] = getattr(mod, "__version__", "?")
        except Exception as e:  # noqa: BLE001 - any import failure means "not usable here"
            out[name] = f"unavailable ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})"
    try:
        import brainpy.state  # noqa: F401
        out["brainpy.state"] = "ok"
    except Exception as e:  # noqa: BLE001
        out["brainpy.state"] = f"unavailable ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})"
    return out


def exp_euler(tau):
    """float32 coefficients as bench/peers/problem.ts expEuler: decay d = 1 − phi·dt/τ, phi = expm1(z)/z, z = −dt/τ."""
    import numpy as np
    z = np.float32(-1.0 / tau)
    phi = np.float32(np.float32(np.expm1(z)) / z)
    return float(np.float32(1 - np.float32(phi / np.float32(tau)))), float(np.float32(phi / np.float32(tau)))


def load(path):
    from safetensors.numpy import load_file
    return load_file(path)


def step_times(step, job):
    """First step (compiles), warm-up, then timed steps: at least minIters, more while the budget lasts."""
    losses = []
    t0 = time.perf_counter()
    losses.append(step())
    first = (time.perf_counter() - t0) * 1000
    for _ in range(job["warmup"]):
        losses.append(step())
    times = []
    spent = 0.0
    while len(times) < job["minIters"] or (spent < job["budgetMs"] and len(times) < job["maxIters"]):
        t = time.perf_counter()
        losses.append(step())
        dt = (time.perf_counter() - t) * 1000
        times.append(dt)
        spent += dt
    return first, times, losses


# ---------------------------------------------------------------------------------------------------- PyTorch


def torch_seed_model(w, problem):
    import torch

    ds, _ = exp_euler(w["tauSyn"])
    dm, cm = exp_euler(w["tauMem"])
    do, _ = exp_euler(w["tauOut"])

    class ReluGradSpike(torch.autograd.Function):
        """Heaviside forward (x = 0 spikes), braintools ReluGrad(alpha=0.3, width=1) backward (docs/numerics.md §3)."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return (x >= 0).to(x.dtype)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * torch.clamp(0.3 - 0.3 * x.abs(), min=0)

    params = {k: torch.nn.Parameter(torch.from_numpy(problem[k].copy())) for k in ("w1", "b1", "w2", "b2")}
    T, B = w["steps"], problem["labels"].shape[0]
    x = torch.from_numpy(problem["x"].reshape(T, B, w["nIn"]).copy())
    labels = torch.from_numpy(problem["labels"].astype("int64"))

    def loss_fn():
        g = torch.zeros(B, w["nRec"])
        v = torch.zeros(B, w["nRec"])
        y = torch.zeros(B, w["nOut"])
        y_sum = torch.zeros(B, w["nOut"])
        h_all = x.reshape(T * B, w["nIn"]) @ params["w1"] + params["b1"]  # one product for all steps
        # unbind, not h_all[t]: the gradient of an indexed step is a zero-filled [T, B, n] tensor per step (T² work
        # in the backward pass, 7 s of a 7.3 s step at 512 hidden); unbind's gradient stacks the T slices once.
        h_steps = h_all.reshape(T, B, w["nRec"]).unbind(0)
        for t in range(T):
            g = ds * g + h_steps[t]
            v = v - ReluGradSpike.apply(v - 1)  # soft reset by the previous step's spike (not detached)
            v = dm * v + cm * g
            s = ReluGradSpike.apply(v - 1)
            y = do * y + (s @ params["w2"] + params["b2"])
            y_sum = y_sum + y
        return torch.nn.functional.cross_entropy(y_sum / T, labels)

    return params, loss_fn


def run_pytorch(job):
    import torch

    torch.set_num_threads(job.get("threads", 2))
    emit({"type": "ready", "version": torch.__version__, "device": f"cpu, {torch.get_num_threads()} threads"})
    w = job["workload"]
    if job.get("checkFile"):
        params, loss_fn = torch_seed_model(w, load(job["checkFile"]))
        loss = loss_fn()
        loss.backward()
        emit({"type": "check", "loss": float(loss), "grads": {k: p.grad.reshape(-1).tolist() for k, p in params.items()}})
    params, loss_fn = torch_seed_model(w, load(job["dataFile"]))
    opt = torch.optim.Adam(params.values(), lr=w["lr"], betas=(0.9, 0.999), eps=1e-8)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        opt.step()
        return float(loss)

    first, times, losses = step_times(step, job)
    emit({"type": "result", "firstStepMs": first, "times": times, "losses": losses})


# ---------------------------------------------------------------------------------------------------- snnTorch


def run_snntorch_digits(job):
    import numpy as np
    import snntorch as snn
    import torch
    from snntorch import spikegen, surrogate

    torch.set_num_threads(job.get("threads", 2))
    torch.manual_seed(job.get("seed", 0))
    emit({"type": "ready", "version": snn.__version__, "device": f"torch {torch.__version__} cpu, {torch.get_num_threads()} threads"})
    w = job["workload"]
    data = load(job["dataFile"])
    x_train = torch.from_numpy(data["x_train"])
    y_train = torch.from_numpy(data["y_train"].astype(np.int64))
    x_test = torch.from_numpy(data["x_test"])
    y_test = torch.from_numpy(data["y_test"].astype(np.int64))
    T, B, H = w["steps"], w["batch"], w["nRec"]
    beta = 0.95
    grad = surrogate.atan(alpha=2.0)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(784, H)
            self.lif1 = snn.Leaky(beta=beta, spike_grad=grad, reset_mechanism="subtract")
            self.fc2 = torch.nn.Linear(H, 10)
            self.out = snn.Leaky(beta=beta, spike_grad=grad, reset_mechanism="none")  # the leaky readout

        def forward(self, spikes):  # [T, B, 784] → readout membrane [T, B, 10]
            mem1 = self.lif1.reset_mem()
            mem2 = self.out.reset_mem()
            cur1 = self.fc1(spikes).unbind(0)  # all steps in one product, as spikegrad's sequence mode does (unbind:
            rec = []                               # cur1[t] would cost a zero-filled [T, B, H] gradient per step)
            for t in range(spikes.shape[0]):
                spk1, mem1 = self.lif1(cur1[t], mem1)
                _, mem2 = self.out(self.fc2(spk1), mem2)
                rec.append(mem2)
            return torch.stack(rec)

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=w["lr"], betas=(0.9, 0.999), eps=1e-8)
    n = x_train.shape[0]

    def epoch():
        order = torch.randperm(n)
        total = 0.0
        for k in range(0, n, B):
            idx = order[k:k + B]
            spikes = spikegen.rate(x_train[idx], num_steps=T)
            mem = net(spikes)
            loss = torch.nn.functional.cross_entropy(mem.mean(0), y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss) * idx.shape[0]
        return total / n

    epochs = job.get("epochs", 2)
    times, losses = [], []
    for _ in range(epochs):
        t = time.perf_counter()
        losses.append(epoch())
        times.append((time.perf_counter() - t) * 1000)
    with torch.no_grad():
        correct = 0
        for k in range(0, x_test.shape[0], 256):
            mem = net(spikegen.rate(x_test[k:k + 256], num_steps=T))
            correct += int((mem.mean(0).argmax(-1) == y_test[k:k + 256]).sum())
    emit({"type": "result", "firstStepMs": times[0], "times": times, "losses": losses,
          "testAccuracy": correct / x_test.shape[0]})


def run_snntorch_rnn(job):
    import snntorch as snn
    import torch
    from snntorch import surrogate

    torch.set_num_threads(job.get("threads", 2))
    emit({"type": "ready", "version": snn.__version__, "device": f"torch {torch.__version__} cpu, {torch.get_num_threads()} threads"})
    w = job["workload"]

    def model(problem):
        x = torch.from_numpy(problem["x"].copy())  # [T, B, nIn]
        n_in, n = problem["w_in"].shape
        fc = torch.nn.Linear(n_in, n)
        rlif = snn.RLeaky(beta=w["beta"], linear_features=n, all_to_all=True, spike_grad=surrogate.atan(alpha=2.0),
                          reset_mechanism="subtract")
        with torch.no_grad():  # torch's Linear holds [out, in]: the transposes of spikegrad's [from, to]
            fc.weight.copy_(torch.from_numpy(problem["w_in"].T.copy()))
            fc.bias.copy_(torch.from_numpy(problem["b"].copy()))
            rlif.recurrent.weight.copy_(torch.from_numpy(problem["w_rec"].T.copy()))
            rlif.recurrent.bias.zero_()
        rlif.recurrent.bias.requires_grad_(False)

        def loss_fn():
            spk, mem = rlif.init_rleaky()
            cur = fc(x).unbind(0)  # every step's input current in one product; unbind (not cur[t]) keeps the backward O(T)
            out = []
            for t in range(x.shape[0]):
                spk, mem = rlif(cur[t], spk, mem)
                out.append(spk)
            return torch.stack(out).mean()

        params = {"w_in": fc.weight, "b": fc.bias, "w_rec": rlif.recurrent.weight}
        return params, loss_fn

    def grads_of(params):
        return {"w_in": params["w_in"].grad.T, "b": params["b"].grad, "w_rec": params["w_rec"].grad.T}

    if job.get("checkFile"):
        params, loss_fn = model(load(job["checkFile"]))
        loss = loss_fn()
        loss.backward()
        emit({"type": "check", "loss": float(loss), "grads": {k: g.reshape(-1).tolist() for k, g in grads_of(params).items()}})
    params, loss_fn = model(load(job["dataFile"]))

    def step():
        for p in params.values():
            p.grad = None
        loss = loss_fn()
        loss.backward()
        return float(loss)

    first, times, losses = step_times(step, job)
    emit({"type": "result", "firstStepMs": first, "times": times, "losses": losses})
def run_snntorch_csnn(job):
    import numpy as np
    import snntorch as snn
    import snntorch.functional as SF
    import torch
    import torch.nn.functional as F
    from snntorch import surrogate

    torch.set_num_threads(job.get("threads", 2))
    torch.manual_seed(job.get("seed", 0))
    emit({"type": "ready", "version": snn.__version__, "device": f"torch {torch.__version__} cpu, {torch.get_num_threads()} threads"})
    w = job["workload"]
    data = load(job["dataFile"])
    x_train = torch.from_numpy(data["x_train"]).view(-1, 1, 28, 28)
    y_train = torch.from_numpy(data["y_train"].astype(np.int64))
    x_test = torch.from_numpy(data["x_test"]).view(-1, 1, 28, 28)
    y_test = torch.from_numpy(data["y_test"].astype(np.int64))
    T, B, beta = w["steps"], w["batch"], w["beta"]
    c1, c2 = w.get("channels", [12, 64])
    grad = surrogate.atan(alpha=2.0)

    class Net(torch.nn.Module):  # snnTorch tutorial 6's CSNN
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(1, c1, 5)
            self.lif1 = snn.Leaky(beta=beta, spike_grad=grad)  # reset by subtraction, detached: snnTorch's default
            self.conv2 = torch.nn.Conv2d(c1, c2, 5)
            self.lif2 = snn.Leaky(beta=beta, spike_grad=grad)
            self.fc1 = torch.nn.Linear(c2 * 4 * 4, 10)
            self.lif3 = snn.Leaky(beta=beta, spike_grad=grad)

        def forward(self, x):  # x [B, 1, 28, 28], fed at every step → output spikes [T, B, 10]
            mem1, mem2, mem3 = self.lif1.reset_mem(), self.lif2.reset_mem(), self.lif3.reset_mem()
            rec = []
            for _ in range(T):
                spk1, mem1 = self.lif1(F.max_pool2d(self.conv1(x), 2), mem1)
                spk2, mem2 = self.lif2(F.max_pool2d(self.conv2(spk1), 2), mem2)
                spk3, mem3 = self.lif3(self.fc1(spk2.flatten(1)), mem3)
                rec.append(spk3)
            return torch.stack(rec)

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=w["lr"], betas=(0.9, 0.999), eps=1e-8)
    loss_fn = SF.ce_rate_loss()
    n = x_train.shape[0]
    batches = min(job.get("batches", n // B), n // B)

    def epoch():
        order = torch.randperm(n)
        total = 0.0
        for k in range(batches):
            idx = order[k * B:(k + 1) * B]
            spk = net(x_train[idx])
            loss = loss_fn(spk, y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item()
        return total / batches

    epochs = job.get("epochs", 2)
    times, cpu, losses = [], [], []
    for _ in range(epochs):
        t, c = time.perf_counter(), time.process_time()
        losses.append(epoch())
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    n_test = min(job.get("testImages", x_test.shape[0]), x_test.shape[0])
    with torch.no_grad():
        correct = 0
        for k in range(0, n_test, 256):
            spk = net(x_test[k:min(k + 256, n_test)])
            correct += int((spk.sum(0).argmax(-1) == y_test[k:min(k + 256, n_test)]).sum())
    emit({"type": "result", "firstStepMs": times[0], "times": times, "cpuMs": cpu, "losses": losses, "batches": batches,
          "testAccuracy": correct / max(1, n_test)})


# ---------------------------------------------------------------------------------------------------- BrainPy


def brainstate_seed_model(w, problem):
    """docs/numerics.md §0's network on BrainPy's state stack: brainstate ParamStates, braintools' ReluGrad surrogate, the
    time loop as jax.lax.scan (brainpy.state's LIF and Expon compute the same updates; its package,
    brainpy_state, is imported when present only to report its version)."""
    import braintools
    import brainstate
    import jax
    import jax.numpy as jnp

    ds, _ = exp_euler(w["tauSyn"])
    dm, cm = exp_euler(w["tauMem"])
    do, _ = exp_euler(w["tauOut"])
    spike = braintools.surrogate.ReluGrad(alpha=0.3, width=1.0)
    params = {k: brainstate.ParamState(jnp.asarray(problem[k])) for k in ("w1", "b1", "w2", "b2")}
    T, B = w["steps"], problem["labels"].shape[0]
    x = jnp.asarray(problem["x"].reshape(T, B, w["nIn"]))
    labels = jnp.asarray(problem["labels"])

    def loss_fn():
        p = {k: s.value for k, s in params.items()}
        h_all = (x.reshape(T * B, w["nIn"]) @ p["w1"] + p["b1"]).reshape(T, B, w["nRec"])

        def step(carry, h):
            g, v, y, y_sum = carry
            g = ds * g + h
            v = v - spike(v - 1.0)  # soft reset by the previous step's spike (not detached)
            v = dm * v + cm * g
            s = spike(v - 1.0)
            y = do * y + (s @ p["w2"] + p["b2"])
            return (g, v, y, y_sum + y), None

        zeros = (jnp.zeros((B, w["nRec"])), jnp.zeros((B, w["nRec"])), jnp.zeros((B, w["nOut"])), jnp.zeros((B, w["nOut"])))
        (_, _, _, y_sum), _ = jax.lax.scan(step, zeros, h_all)
        logits = y_sum / T
        return jnp.mean(jax.nn.logsumexp(logits, axis=-1) - jnp.take_along_axis(logits, labels[:, None], axis=-1)[:, 0])

    return params, loss_fn


def run_brainpy(job):
    import braintools
    import brainstate
    import jax

    try:
        import brainpy.state  # noqa: F401
        import brainpy
        version = f"{brainpy.__version__} on "
    except Exception:  # noqa: BLE001 - brainpy.state needs the brainpy_state package; the stack below does not
        version = "stack: "
    emit({"type": "ready", "version": f"{version}brainstate {brainstate.__version__}, braintools {braintools.__version__}, JAX {jax.__version__}", "device": "cpu (XLA)"})
    w = job["workload"]
    if job.get("checkFile"):
        params, loss_fn = brainstate_seed_model(w, load(job["checkFile"]))
        grads, loss = brainstate.transform.grad(loss_fn, params, return_value=True)()
        emit({"type": "check", "loss": float(loss), "grads": {k: [float(v) for v in jax.numpy.ravel(grads[k])] for k in params}})
    params, loss_fn = brainstate_seed_model(w, load(job["dataFile"]))
    opt = braintools.optim.Adam(lr=w["lr"], betas=(0.9, 0.999), eps=1e-8)
    opt.register_trainable_weights(params)

    @brainstate.transform.jit
    def train_step():
        grads, loss = brainstate.transform.grad(loss_fn, params, return_value=True)()
        opt.update(grads)
        return loss

    def step():
        loss = train_step()
        jax.block_until_ready(params["b2"].value)
        return float(loss)

    first, times, losses = step_times(step, job)
    emit({"type": "result", "firstStepMs": first, "times": times, "losses": losses})


def run_brainpy_rnn(job):
    import braintools
    import brainstate
    import jax
    import jax.numpy as jnp

    emit({"type": "ready", "version": f"stack: brainstate {brainstate.__version__}, braintools {braintools.__version__}, JAX {jax.__version__}", "device": "cpu (XLA)"})
    w = job["workload"]
    beta = w["beta"]
    spike = braintools.surrogate.Arctan(alpha=2.0)  # snnTorch's atan(alpha=2): (α/2)/(1 + (π/2·α·x)²)

    def model(problem):
        x = jnp.asarray(problem["x"])
        T, B, n_in = x.shape
        n = problem["w_rec"].shape[0]
        params = {k: brainstate.ParamState(jnp.asarray(problem[k])) for k in ("w_in", "b", "w_rec")}

        def loss_fn():
            p = {k: s.value for k, s in params.items()}
            cur = (x.reshape(T * B, n_in) @ p["w_in"] + p["b"]).reshape(T, B, n)

            def step(carry, i):
                v, s = carry
                # RLeaky: decay, input, recurrent spikes, minus the previous spike's reset (detached, as snnTorch's mem_reset)
                v = beta * v + i + s @ p["w_rec"] - jax.lax.stop_gradient(s)
                s = spike(v - 1.0)
                return (v, s), s

            zeros = jnp.zeros((B, n), x.dtype)
            _, spikes = jax.lax.scan(step, (zeros, zeros), cur)
            return spikes.mean()

        return params, loss_fn

    if job.get("checkFile"):
        params, loss_fn = model(load(job["checkFile"]))
        grads, loss = brainstate.transform.grad(loss_fn, params, return_value=True)()
        emit({"type": "check", "loss": float(loss), "grads": {k: [float(v) for v in jnp.ravel(grads[k])] for k in params}})
    params, loss_fn = model(load(job["dataFile"]))

    @brainstate.transform.jit
    def grad_step():
        return brainstate.transform.grad(loss_fn, params, return_value=True)()

    def step():
        grads, loss = grad_step()
        jax.block_until_ready(grads)
        return float(loss)

    first, times, losses = step_times(step, job)
    emit({"type": "result", "firstStepMs": first, "times": times, "losses": losses})


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--versions":
        for k, v in versions().items():
            print(f"{k:14s} {v}")
        return 0
    try:
        job = json.loads(sys.argv[1])
        fw, wl = job["framework"], job["workload"]["name"]
        if fw == "pytorch" and wl in ("seed", "wide", "dense"):
            run_pytorch(job)
        elif fw == "snntorch" and wl == "digits":
            run_snntorch_digits(job)
        elif fw == "snntorch" and wl == "rnn":
            run_snntorch_rnn(job)
        elif fw == "brainpy" and wl == "rnn":
            run_brainpy_rnn(job)
        elif fw == "snntorch" and wl == "csnn":
            run_snntorch_csnn(job)
        elif fw == "brainpy":
            run_brainpy(job)
        else:
            raise ValueError(f"no {fw} peer for the workload '{wl}'")
    except Exception as e:  # noqa: BLE001 - reported to the caller, who shows it in the table
        emit({"type": "error", "message": f"{type(e).__name__}: {e}"})
        return 1
    return 0


if __name__ == "__main__":
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    sys.exit(main())
