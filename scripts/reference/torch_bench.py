"""PyTorch CPU baseline: one training step (forward + backward + Adam step) of an MLP.

Prints one line per workload: name, threads, median microseconds per step, steps/s.
The workloads are the ones in the README's Benchmarks section (`benches/forward_backward.rs`).
"""
import sys, time, statistics
import torch

WORKLOADS = {
    # name: (dims, batch, hidden activation, loss)
    "seed":   ([30, 16, 1], 32, "sigmoid", "bce"),
    "mnist":  ([784, 256, 128, 10], 128, "relu", "ce"),
    "wide":   ([1024, 1024, 1024, 1], 256, "relu", "mse"),
}

def build(dims, act):
    layers = []
    for i in range(len(dims) - 1):
        layers.append(torch.nn.Linear(dims[i], dims[i + 1]))
        if i < len(dims) - 2:
            layers.append(torch.nn.Sigmoid() if act == "sigmoid" else torch.nn.ReLU())
    return torch.nn.Sequential(*layers)

def run(name, threads, seconds=2.0):
    dims, batch, act, loss = WORKLOADS[name]
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    model = build(dims, act)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(batch, dims[0])
    if loss == "bce":
        y = (torch.rand(batch, 1) > 0.5).float(); lf = torch.nn.BCEWithLogitsLoss()
    elif loss == "ce":
        y = torch.randint(0, dims[-1], (batch,)); lf = torch.nn.CrossEntropyLoss()
    else:
        y = torch.randn(batch, dims[-1]); lf = torch.nn.MSELoss()
    def step():
        opt.zero_grad(set_to_none=False)
        l = lf(model(x), y)
        l.backward()
        opt.step()
    for _ in range(20):
        step()
    samples = []
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        t0 = time.perf_counter(); n = 0
        while n < 10:
            step(); n += 1
        samples.append((time.perf_counter() - t0) / n)
    med = statistics.median(samples) * 1e6
    print(f"torch {name} threads={threads} us_per_step={med:.1f} steps_per_s={1e6/med:.0f}")

if __name__ == "__main__":
    names = sys.argv[1:] or list(WORKLOADS)
    for n in names:
        for t in (1, 2):
            run(n, t)
