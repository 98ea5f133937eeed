#!/usr/bin/env python3
"""
PyTorch reference for Cell Lens's train-free scores (bench/reference.ts runs it).

Builds the NAS-Bench-NLP language model of a recipe in PyTorch, exactly as docs/scores.md and
src/scoring/model/network.ts define it, and computes a subset of the scores on CPU:

  model   embedding vocab x embed, uniform(+-0.1), a constant (never differentiated);
          `layers` recurrent layers: layer l reads input size embed (l = 0) or hidden, has hidden size `hidden`
          except the last layer, whose hidden size is embed (the decoder is tied);
          a linear node = sum_i a_i W_i + b, one weight W_i [width_i, H] per input (width = input size for x,
          H otherwise) and one bias; W_i and b uniform(+-1/sqrt(H)) of the layer; the other ops:
          blend(a, b, c) = a*b + (1-a)*c, elementwise_prod / _sum, tanh, sigmoid, leaky ReLU (slope 0.01);
          hidden states start at 0; after each step state i = h_new_i; the layer output is h_new_0;
          decoder: logits = h E^T (tied, zero bias).
  data    B sequences of T + 1 tokens uniform over the vocabulary: inputs tokens 0..T-1, targets 1..T.

  grad_norm  ||grad_theta L||_F over all recurrent weights and biases, L = mean next-token cross-entropy;
  snip       sum |grad_theta L * theta| (same backward);
  naswot     binary codes, one bit per (activation node, layer, step, unit): pre-activation > 0;
             K = c c^T + (1 - c)(1 - c)^T (B x B); log|det K| in float64; NaN when two inputs share a code or
             K is not positive definite;
  zen        Gaussian weights W_i ~ N(0, 1/fan_in) (fan_in = sum of the node's input widths), zero biases;
             x ~ N(0, 1) [T, B, embed] fed as the embedded input, eps ~ N(0, 1), alpha = 0.01;
             log mean_b ||f(x_b) - f(x_b + alpha eps_b)||_F over all steps and units of the last layer;
  maedet     same Gaussian network, clean input: sum_l log std(all outputs of layer l);
  ntk_trace  sqrt(tr Theta / B), Theta_bb = ||d s_b / d theta||^2, s_b = sum_t sum_h y_{t,b,h} of the last
             layer (default init, the random tokens); the per-example gradients come from one backward through
             per-example copies of the parameters (--ntk loop: one backward per example, the same numbers).

Seeds cannot reproduce TF.js's random numbers (a different generator), so compare distributions over seeds.

Usage: nasbench_nlp_scores.py RECIPE.json [--vocab N --embed N --hidden N --layers N --seq N --batch N]
         [--seeds 0,1,2,3,4] [--threads 2] [--scores grad_norm,snip,naswot,zen,maedet,ntk_trace] [--warmup 1]
         [--ntk batched|loop]
RECIPE.json: a file holding one recipe {"node": {"op", "input"}} ("-" reads stdin). Prints one JSON object.
"""
import argparse
import json
import math
import sys
import time

import torch

OPS = {"linear", "blend", "elementwise_prod", "elementwise_sum", "activation_tanh", "activation_sigm", "activation_leaky_relu"}
ALL_SCORES = ["grad_norm", "snip", "naswot", "zen", "maedet", "ntk_trace"]
# Which pass each score reads (a pass runs once per seed; its time is split among the requested scores reading it,
# as Cell Lens's engine reports wallMs).
PASSES = {"grad_norm": "ce", "snip": "ce", "naswot": "codes", "zen": "gauss", "maedet": "gauss", "ntk_trace": "sum"}


def topo_order(recipe):
    names = list(recipe)
    deps = {n: [i for i in recipe[n]["input"] if i in recipe] for n in names}
    order, done, visiting = [], set(), set()
    for root in names:
        stack = [(root, iter(deps[root]))]
        if root in done:
            continue
        visiting.add(root)
        while stack:
            n, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                visiting.discard(n)
                done.add(n)
                order.append(n)
            elif nxt not in done:
                if nxt in visiting:
                    raise ValueError("the cell has a cycle")
                visiting.add(nxt)
                stack.append((nxt, iter(deps[nxt])))
    return order


def hidden_tuple_size(recipe):
    size = 0
    for n in recipe:
        if n.startswith("h_new_") and n[6:].isdigit():
            size = max(size, int(n[6:]) + 1)
    return size


def layer_sizes(embed, hidden, layers):
    return [(embed if l == 0 else hidden, embed if l == layers - 1 else hidden) for l in range(layers)]


class Net:
    """Recurrent parameters of every layer: {node: ([W_i], b)} per layer, and the flat list of tensors."""

    def __init__(self, recipe, sizes, gen, kind="uniform"):
        self.recipe = recipe
        self.order = topo_order(recipe)
        self.tuple = hidden_tuple_size(recipe)
        self.layers = []
        self.params = []
        for input_size, H in layer_sizes(sizes["embed"], sizes["hidden"], sizes["layers"]):
            lin = {}
            bound = 1.0 / math.sqrt(H)
            for node, spec in recipe.items():
                if spec["op"] != "linear":
                    continue
                widths = [input_size if i == "x" else H for i in spec["input"]]
                if kind == "uniform":
                    Ws = [(torch.rand(w, H, generator=gen, dtype=torch.float32) * 2 - 1) * bound for w in widths]
                    b = (torch.rand(H, generator=gen, dtype=torch.float32) * 2 - 1) * bound
                else:  # gaussian, zero bias (Zen-NAS / MAE-DET without BatchNorm)
                    std = 1.0 / math.sqrt(sum(widths))
                    Ws = [torch.randn(w, H, generator=gen, dtype=torch.float32) * std for w in widths]
                    b = torch.zeros(H)
                for t in Ws + [b]:
                    t.requires_grad_(True)
                    self.params.append(t)
                lin[node] = (Ws, b)
            self.layers.append((input_size, H, lin))

    def per_example_copies(self, B):
        """Leaf copies of every parameter with a leading batch axis ([B, ...]): the gradient of sum_b s_b with
        respect to copy b is the gradient of s_b alone (examples do not interact), so one backward gives every
        per-example gradient."""
        layers, leaves = [], []
        for input_size, H, lin in self.layers:
            lin_b = {}
            for node, (Ws, b) in lin.items():
                Wb = [W.detach().unsqueeze(0).repeat(B, 1, 1).requires_grad_(True) for W in Ws]
                bb = b.detach().unsqueeze(0).repeat(B, 1).requires_grad_(True)
                leaves.extend(Wb + [bb])
                lin_b[node] = (Wb, bb)
            layers.append((input_size, H, lin_b))
        return layers, leaves

    def forward(self, x, record_pre=False, layers=None):
        """x: [T, B, embed] -> (outputs per layer [T, B, H_l], pre-activations per activation node, layer and step).
        `layers`: parameters to use instead of the network's own (e.g. per-example copies, [B, ...])."""
        outs, pre = [], []
        inp = x
        T, B = x.shape[0], x.shape[1]

        def mm(a, W):  # a [..., B, in] times W [in, H] or per example [B, in, H]
            if W.dim() == 2:
                return a @ W
            return torch.einsum("tbi,bih->tbh", a, W) if a.dim() == 3 else torch.einsum("bi,bih->bh", a, W)

        for layer, (input_size, H, lin) in enumerate(layers if layers is not None else self.layers):
            for n in self.order:
                spec = self.recipe[n]
                if spec["op"] != "linear" and "x" in spec["input"] and input_size != H:
                    raise ValueError(f"x (width {input_size}) feeds a non-linear op in layer {layer} whose width is {H}")
            # The products with the layer input for all steps at once, plus the bias.
            xpart = {}
            for node, (Ws, b) in lin.items():
                acc = None
                for i, name in enumerate(self.recipe[node]["input"]):
                    if name == "x":
                        p = mm(inp, Ws[i])
                        acc = p if acc is None else acc + p
                xpart[node] = (acc + b) if acc is not None else None
            zeros = torch.zeros(B, H)
            state = [zeros] * self.tuple
            ys = []
            for t in range(T):
                vals = {}

                def get(name):
                    if name == "x":
                        return inp[t]
                    if name.startswith("h_prev_") and name[7:].isdigit():
                        return state[int(name[7:])]
                    return vals[name]

                for n in self.order:
                    spec = self.recipe[n]
                    op = spec["op"]
                    if op == "linear":
                        Ws, b = lin[n]
                        v = xpart[n][t] if xpart[n] is not None else b.expand(B, H)
                        for i, name in enumerate(spec["input"]):
                            if name != "x":
                                v = v + mm(get(name), Ws[i])
                    else:
                        xs = [get(i) for i in spec["input"]]
                        if op.startswith("activation_") and record_pre:
                            pre.append(xs[0])
                        if op == "elementwise_sum":
                            v = xs[0]
                            for a in xs[1:]:
                                v = v + a
                        elif op == "elementwise_prod":
                            v = xs[0]
                            for a in xs[1:]:
                                v = v * a
                        elif op == "blend":
                            v = xs[0] * xs[1] + (1 - xs[0]) * xs[2]
                        elif op == "activation_tanh":
                            v = torch.tanh(xs[0])
                        elif op == "activation_sigm":
                            v = torch.sigmoid(xs[0])
                        elif op == "activation_leaky_relu":
                            v = torch.nn.functional.leaky_relu(xs[0], 0.01)
                        else:
                            raise ValueError(f"node {n}: unknown op {op}")
                    vals[n] = v
                state = [vals[f"h_new_{i}"] for i in range(self.tuple)]
                ys.append(state[0])
            out = torch.stack(ys, 0)
            outs.append(out)
            inp = out
        return outs, pre


def score_seed(recipe, sizes, seed, scores, ntk="batched"):
    """All requested scores for one seed, and the seconds each pass took."""
    T, B, V, E = sizes["seq"], sizes["batch"], sizes["vocab"], sizes["embed"]
    gen = torch.Generator().manual_seed(seed)
    emb = (torch.rand(V, E, generator=gen) * 2 - 1) * 0.1
    tokens = torch.randint(0, V, (B, T + 1), generator=gen)
    x = emb[tokens[:, :T]].transpose(0, 1).contiguous()  # [T, B, E], a constant
    targets = tokens[:, 1:].transpose(0, 1).reshape(-1)  # row t*B + b
    need = {PASSES[s] for s in scores}
    values, seconds = {}, {}
    net = Net(recipe, sizes, gen, "uniform")

    if "ce" in need:
        t0 = time.perf_counter()
        outs, _ = net.forward(x)
        h = outs[-1].reshape(T * B, -1)
        loss = torch.nn.functional.cross_entropy(h @ emb.t(), targets)
        grads = torch.autograd.grad(loss, net.params, allow_unused=True)
        grads = [g if g is not None else torch.zeros_like(p) for g, p in zip(grads, net.params)]
        seconds["ce"] = time.perf_counter() - t0
        sq = sum(float((g.double() ** 2).sum()) for g in grads)
        gn = math.sqrt(sq)
        values["grad_norm"] = gn if math.isfinite(gn) else float("nan")
        sn = sum(float((g.double() * p.detach().double()).abs().sum()) for g, p in zip(grads, net.params))
        values["snip"] = sn if math.isfinite(sn) else float("nan")

    if "sum" in need:
        t0 = time.perf_counter()
        if ntk == "loop":  # one backward per example
            outs, _ = net.forward(x)
            s = outs[-1].sum(dim=(0, 2))  # s_b, [B]
            tr = 0.0
            for b in range(B):
                g = torch.autograd.grad(s[b], net.params, retain_graph=b < B - 1, allow_unused=True)
                tr += sum(float((gi.double() ** 2).sum()) for gi in g if gi is not None)
        else:  # per-example parameter copies: every per-example gradient from one backward
            layers, leaves = net.per_example_copies(B)
            outs, _ = net.forward(x, layers=layers)
            g = torch.autograd.grad(outs[-1].sum(), leaves, allow_unused=True)
            tr = sum(float((gi.double() ** 2).sum()) for gi in g if gi is not None)
        seconds["sum"] = time.perf_counter() - t0
        values["ntk_trace"] = math.sqrt(tr / B) if math.isfinite(tr) and tr >= 0 else float("nan")

    if "codes" in need:
        t0 = time.perf_counter()
        with torch.no_grad():
            _, pre = net.forward(x, record_pre=True)
            if pre:
                c = torch.cat([(p > 0).double() for p in pre], dim=1)  # [B, N]
                K = c @ c.t() + (1 - c) @ (1 - c).t()
        seconds["codes"] = time.perf_counter() - t0
        if not pre:
            values["naswot"] = float("nan")
        else:
            N = c.shape[1]
            off = K - torch.diag(torch.diag(K))
            if bool((off == N).any()):
                values["naswot"] = float("nan")  # two inputs share an activation code: det 0
            else:
                try:
                    torch.linalg.cholesky(K)
                    sign, logabs = torch.linalg.slogdet(K)
                    values["naswot"] = float(logabs) if float(sign) > 0 else float("nan")
                except RuntimeError:
                    values["naswot"] = float("nan")  # not positive definite

    if "gauss" in need:
        t0 = time.perf_counter()
        gnet = Net(recipe, sizes, gen, "gaussian")
        xg = torch.randn(T, B, E, generator=gen)
        eps = torch.randn(T, B, E, generator=gen)
        with torch.no_grad():
            both = torch.cat([xg, xg + 0.01 * eps], dim=1)  # clean and perturbed in one batch of 2B, as Cell Lens
            outs, _ = gnet.forward(both)
        seconds["gauss"] = time.perf_counter() - t0
        y = outs[-1].double()
        diff = y[:, :B] - y[:, B:]
        norms = diff.pow(2).sum(dim=(0, 2)).sqrt()
        m = float(norms.mean())
        values["zen"] = float("nan") if not math.isfinite(m) else (-math.inf if m == 0 else math.log(m))
        stds = [float(o[:, :B].double().std(unbiased=False)) for o in outs]
        if any(not math.isfinite(s) for s in stds):
            values["maedet"] = float("nan")
        elif any(s == 0 for s in stds):
            values["maedet"] = -math.inf
        else:
            values["maedet"] = sum(math.log(s) for s in stds)

    return {k: values[k] for k in scores}, seconds


def blas_libraries():
    """The BLAS shared libraries loaded in this process (Linux), e.g. OpenBLAS or the slow reference BLAS."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            return sorted({line.split()[-1] for line in f if "blas" in line.lower() and "/" in line})
    except OSError:
        return []


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("recipe")
    for k, d in (("vocab", 10000), ("embed", 400), ("hidden", 600), ("layers", 3), ("seq", 35), ("batch", 16)):
        ap.add_argument(f"--{k}", type=int, default=d)
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--scores", default=",".join(ALL_SCORES))
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs first (seed 10^6 + i)")
    ap.add_argument("--ntk", choices=["batched", "loop"], default="batched",
                    help="per-example gradients for ntk_trace: per-example parameter copies, one backward (default), or one backward per example")
    a = ap.parse_args()
    recipe = json.load(sys.stdin if a.recipe == "-" else open(a.recipe, encoding="utf-8"))
    for n, spec in recipe.items():
        if spec.get("op") not in OPS:
            raise SystemExit(f"node {n}: unknown op {spec.get('op')!r}")
    torch.set_num_threads(a.threads)
    sizes = {k: getattr(a, k) for k in ("vocab", "embed", "hidden", "layers", "seq", "batch")}
    scores = [s for s in a.scores.split(",") if s]
    for s in scores:
        if s not in PASSES:
            raise SystemExit(f"unknown score {s!r}; this reference computes {', '.join(ALL_SCORES)}")
    seeds = [int(s) for s in a.seeds.split(",") if s != ""]
    for i in range(a.warmup):
        score_seed(recipe, sizes, 10**6 + i, scores, a.ntk)
    per_seed, pass_seconds = [], {}
    for seed in seeds:
        v, secs = score_seed(recipe, sizes, seed, scores, a.ntk)
        per_seed.append(v)
        for p, s in secs.items():
            pass_seconds.setdefault(p, []).append(s)
    readers = {}
    for s in scores:
        readers[PASSES[s]] = readers.get(PASSES[s], 0) + 1
    pass_ms = {p: 1000 * sum(v) / len(v) for p, v in pass_seconds.items()}
    out = {
        "framework": f"PyTorch {torch.__version__}",
        "threads": torch.get_num_threads(),
        "blas": blas_libraries(),
        "sizes": sizes,
        "seeds": seeds,
        "values": {s: [v[s] for v in per_seed] for s in scores},
        "passMsPerSeed": pass_ms,
        "scoreMsPerSeed": {s: pass_ms[PASSES[s]] / readers[PASSES[s]] for s in scores},
        "note": "ms per seed = mean over seeds of the pass time, split equally among the requested scores that read the pass (as Cell Lens's wallMs)",
    }
    # NaN / Infinity are written as strings so the output is strict JSON.
    def clean(x):
        if isinstance(x, float) and not math.isfinite(x):
            return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, list):
            return [clean(v) for v in x]
        return x
    json.dump(clean(out), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
