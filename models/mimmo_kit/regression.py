"""Train and export a MIMO regression ensemble: scikit-learn's bundled diabetes data, mean and variance per member.

M subnetworks share one MLP: the input row holds M patients (one per slot), the output M heads, each predicting the
disease progression's mean and variance (a Gaussian; trained on its negative log-likelihood). Served with
mimmo.output = regression, mimmo.regression = mean_variance: the server answers the members' weighted mean, their
disagreement (epistemic variance), the noise they predict (aleatoric) and a 95% interval (models/CONTRACT.md).
The features are sent as the data set gives them unscaled (age in years, sex 1 or 2, BMI, blood pressure, six blood
serum measurements); the graph standardizes them itself.
"""
import json
import math
import os
import time

import numpy as np
import onnx
import torch

from . import check, contract

FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
TARGET = "progression"
DATASET = "scikit-learn diabetes data (Efron et al. 2004), 442 patients: 353 to train, 89 held out"
Z95 = 1.959964


def add_arguments(p):
    p.add_argument("--out", required=True, help="model directory: model.onnx and config.json are written")
    p.add_argument("--slots", type=int, default=3, help="M, the members (default 3)")
    p.add_argument("--hidden", type=int, default=32, help="width of the two hidden layers (default 32)")
    p.add_argument("--epochs", type=int, default=100, help="passes over the training patients (default 100)")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=0)


class MimoRegressor(torch.nn.Module):
    """[B, M, F] -> [B, 1, M, 2]: for each slot, the mean and the variance of its patient's target, in the target's
    units. The features are standardized and the target unstandardized inside the graph, so that clients send and
    receive the data set's own units."""

    def __init__(self, x_mean, x_std, y_mean, y_std, slots=3, hidden=32):
        super().__init__()
        self.slots, self.features = slots, len(x_mean)
        self.register_buffer("x_mean", torch.as_tensor(x_mean, dtype=torch.float32))
        self.register_buffer("x_std", torch.as_tensor(x_std, dtype=torch.float32))
        self.register_buffer("y_mean", torch.tensor(float(y_mean)))
        self.register_buffer("y_std", torch.tensor(float(y_std)))
        self.body = torch.nn.Sequential(
            torch.nn.Linear(slots * self.features, hidden), torch.nn.ReLU(),
            torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
            torch.nn.Linear(hidden, slots * 2))

    def standardized(self, x):
        """[B, M, 2] in standard units: mean, and the raw value whose softplus is the variance."""
        z = ((x - self.x_mean) / self.x_std).flatten(1)
        return self.body(z).reshape(-1, self.slots, 2)

    def forward(self, x):
        out = self.standardized(x)
        mean = out[..., 0:1] * self.y_std + self.y_mean
        variance = (torch.nn.functional.softplus(out[..., 1:2]) + 1e-4) * self.y_std * self.y_std
        return torch.cat([mean, variance], dim=-1).reshape(-1, 1, self.slots, 2)


def load(seed=0, holdout=89):
    """The diabetes data unscaled, split once by `seed`: (x_train, y_train, x_test, y_test) as float32."""
    from sklearn.datasets import load_diabetes

    data = load_diabetes(scaled=False)
    x, y = data.data.astype(np.float32), data.target.astype(np.float32)
    order = np.random.default_rng(seed).permutation(len(y))
    test, train = order[:holdout], order[holdout:]
    return x[train], y[train], x[test], y[test]


def gaussian_nll(mean, variance, y):
    return 0.5 * (torch.log(2 * math.pi * variance) + (y - mean) ** 2 / variance)


def fit(net, x, y, epochs, batch, lr, seed, log=print):
    """Adam on the members' Gaussian NLL in standard units; each slot of a training row holds its own permutation of
    the batch, so that every member learns from its slot alone (MIMO training). Returns the last epoch's mean loss."""
    generator = torch.Generator().manual_seed(seed)
    x, y = torch.as_tensor(x), (torch.as_tensor(y) - net.y_mean) / net.y_std
    optimizer = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, max(1, epochs))
    loss_value = float("nan")
    for epoch in range(epochs):
        net.train()
        total, steps = 0.0, 0
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), batch):
            index = order[start:start + batch]
            slots = torch.stack([index[torch.randperm(len(index), generator=generator)] for _ in range(net.slots)], dim=1)
            out = net.standardized(x[slots])
            variance = torch.nn.functional.softplus(out[..., 1]) + 1e-4
            loss = gaussian_nll(out[..., 0], variance, y[slots]).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, steps = total + float(loss), steps + 1
        schedule.step()
        loss_value = total / steps
        if log and (epoch + 1) % max(1, epochs // 6) == 0:
            log(f"epoch {epoch + 1}/{epochs}: loss {loss_value:.4f}")
    return loss_value


def combine(means, variances):
    """The server's answer (RegressionAverager) from members' [N, members] means and variances, equal weights:
    mean, epistemic, aleatoric and total variance."""
    mean = means.mean(axis=1)
    epistemic = ((means - mean[:, None]) ** 2).mean(axis=1)
    aleatoric = np.maximum(variances, 0).mean(axis=1)
    return mean, epistemic, aleatoric, epistemic + aleatoric


def predict(net, x, k):
    """The members of each patient when the server gives it k of the M slots: k = M, every slot holds it; k = 1, each
    slot holds another patient (rows of M patients, the last row filled up with the first ones), one member each."""
    net.eval()
    x = torch.as_tensor(x)
    with torch.no_grad():
        if k == net.slots:
            out = net(x[:, None, :].expand(-1, net.slots, -1))[:, 0].numpy()
            return out[..., 0], out[..., 1]
        n = len(x)
        rows = math.ceil(n / net.slots)
        index = torch.arange(rows * net.slots) % n
        out = net(x[index].reshape(rows, net.slots, -1))[:, 0].reshape(rows * net.slots, 2).numpy()[:n]
        return out[:, :1], out[:, 1:]


def scores(net, x, y, k):
    """RMSE, mean Gaussian NLL of the answer's mean and total variance, and the share of patients inside the 95%
    interval, as the server would answer them."""
    means, variances = predict(net, x, k)
    mean, _, _, variance = combine(means, variances)
    nll = 0.5 * (np.log(2 * math.pi * variance) + (y - mean) ** 2 / variance)
    half = Z95 * np.sqrt(variance)
    return {"rmse": round(float(np.sqrt(((y - mean) ** 2).mean())), 3), "nll": round(float(nll.mean()), 4),
            "coverage_95": round(float(((y >= mean - half) & (y <= mean + half)).mean()), 4),
            "interval_width": round(float((2 * half).mean()), 2)}


def export(net, path, metrics):
    """ONNX under the contract: input [B, M, 10], output [B, 1, M, 2] (mean, variance), mimmo.output = regression."""
    net.eval()
    with torch.no_grad():
        torch.onnx.export(net, torch.rand(2, net.slots, net.features) * 50, path, opset_version=contract.OPSET,
                          input_names=[contract.INPUT], output_names=[contract.OUTPUT], do_constant_folding=True,
                          dynamic_axes={contract.INPUT: {0: contract.BATCH}, contract.OUTPUT: {0: contract.BATCH}})
    model = onnx.load(path)
    contract.fix_dims(model.graph.input[0], [net.slots, net.features])
    contract.fix_dims(model.graph.output[0], [1, net.slots, 2])
    sizes = [1, net.slots]
    contract.set_metadata(model, contract.metadata("mimmo", net.slots, 1, 1, [net.features], [[1.0] * net.slots],
                                                   [TARGET], sizes, net.slots, metrics, regression="mean_variance"))
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return model


def write_config(directory, slots):
    """config.json: all M slots per input by default; small runs (the model is tiny, a run costs microseconds)."""
    config = {"default_ensemble_size": slots, "max_rows_per_run": 8, "max_queue_delay_ms": 1}
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


def run(args):
    started = time.time()
    torch.manual_seed(args.seed)
    x_train, y_train, x_test, y_test = load(args.seed)
    net = MimoRegressor(x_train.mean(0), x_train.std(0), y_train.mean(), y_train.std(), args.slots, args.hidden)
    loss = fit(net, x_train, y_train, args.epochs, args.batch, args.lr, args.seed)
    metrics = {"dataset": DATASET, "k": {str(k): scores(net, x_test, y_test, k) for k in (net.slots, 1)}}
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "model.onnx")
    export(net, path, metrics)
    write_config(args.out, net.slots)
    print(check.check(path, execute_graph=True))
    print(json.dumps({"loss": round(loss, 4), "seconds": round(time.time() - started, 1), **metrics}))
    return 0
