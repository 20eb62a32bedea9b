"""The staged early-exit network (family `jeidnn`): a trained MIMMO network cut at its exits into stages, each
with a learned gate as in JEI-DNN (Regol, Chataoui & Coates, ICLR 2024), and the compute cost of each stage.

Stage s runs trunk block s on the previous stage's activation and returns exit s's logits [B, 1, M, K], its
gate's exit probability per slot [B, M] and its activation (CONTRACT.md, "Staged models")."""
import torch
from torch import nn
import torch.nn.functional as F

from . import nets

FEATURES = 3  # top probability, entropy, margin between the two most probable classes


def uncertainty_features(logits):
    """[..., K] logits -> [..., 3]: the exit's softmax top probability, entropy (nats) and top-two margin."""
    log_p = F.log_softmax(logits, -1)
    p = log_p.exp()
    top = p.topk(2, dim=-1).values
    entropy = -(p * log_p).sum(-1)
    return torch.stack([top[..., 0], entropy, top[..., 0] - top[..., 1]], dim=-1)


class Gate(nn.Module):
    """JEI-DNN's gate: a logistic layer on the uncertainty features of one exit's softmax, per slot."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(FEATURES, 1)

    def forward(self, logits):
        return torch.sigmoid(self.fc(uncertainty_features(logits))).squeeze(-1)


class StagedNet(nn.Module):
    """A MimmoNet with every exit, a gate on each exit but the last, and per-stage costs. forward() is the
    unstaged view (all exits, [B, E, M, K]) so that evaluation and reference data treat it like the others; its
    exit weights are one-hot on the last exit (what policy `full` serves)."""

    gate_threshold = 0.5

    def __init__(self, mimmo, costs):
        super().__init__()
        if mimmo.exit_at != list(range(len(mimmo.blocks))):
            raise ValueError("a staged network needs an exit after every trunk block")
        self.mimmo = mimmo
        self.slots, self.classes = mimmo.slots, mimmo.classes
        self.gates = nn.ModuleList(Gate() for _ in range(mimmo.num_exits - 1))
        self.register_buffer("costs", torch.tensor(costs, dtype=torch.float32))

    @property
    def num_exits(self):
        return self.mimmo.num_exits

    def exit_weights(self):
        w = torch.zeros(self.num_exits, self.slots)
        w[-1] = 1
        return w

    def stage(self, s, h):
        """Stage s on the pixels (s = 0) or the previous activation: (logits [B, M, K], gate [B, M], activation)."""
        if s == 0:
            h = ((h - nets.MEAN) / nets.STD).reshape(-1, self.slots, nets.SIDE, nets.SIDE)
        h = self.mimmo.blocks[s](h)
        logits = self.mimmo.exits[s](h)
        gate = self.gates[s](logits) if s < len(self.gates) else torch.ones_like(logits[..., 0])
        return logits, gate, h

    def staged(self, x):
        """Every stage in turn: (logits [B, E, M, K], gates [B, E, M])."""
        logits, gates, h = [], [], x
        for s in range(self.num_exits):
            z, g, h = self.stage(s, h)
            logits.append(z)
            gates.append(g)
        return torch.stack(logits, 1), torch.stack(gates, 1)

    def forward(self, x):
        return self.staged(x)[0]


class StageModule(nn.Module):
    """One stage as its own graph, for export: (logits [B, 1, M, K], gate [B, M][, activation])."""

    def __init__(self, net, index):
        super().__init__()
        self.net, self.index = net, index

    def forward(self, h):
        logits, gate, activation = self.net.stage(self.index, h)
        if self.index == self.net.num_exits - 1:
            return logits.unsqueeze(1), gate
        return logits.unsqueeze(1), gate, activation


def _macs(module, x):
    """Multiply-accumulates of the convolutions and linear layers run by module(x), counted with hooks."""
    total = [0]

    def conv(m, inputs, out):
        total[0] += out.numel() // out.shape[0] * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear(m, inputs, out):
        total[0] += out.numel() // out.shape[0] * m.in_features

    hooks = [m.register_forward_hook(conv) for m in module.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(linear) for m in module.modules() if isinstance(m, nn.Linear)]
    with torch.no_grad():
        out = module(x)
    for h in hooks:
        h.remove()
    return total[0], out


def stage_costs(mimmo):
    """Each stage's share of the full forward pass, by multiply-accumulates (trunk block, exit head, gate)."""
    mimmo.eval()
    h = torch.rand(1, mimmo.slots, nets.SIDE, nets.SIDE)
    macs = []
    for s, block in enumerate(mimmo.blocks):
        trunk, h = _macs(block, h)
        head, _ = _macs(mimmo.exits[s], h)
        gate = FEATURES if s < len(mimmo.blocks) - 1 else 0
        macs.append(trunk + head + gate)
    total = sum(macs)
    return [m / total for m in macs], macs


def build(hp):
    """A StagedNet from the hyper-parameters saved in its checkpoint (those of its MIMMO network plus costs)."""
    mimmo = nets.build("mimmo", hp)
    return StagedNet(mimmo, hp["stage_costs"])
