"""The networks of the families we serve. Every network maps [B, M, 1, 28, 28] pixels in [0, 1] to logits
[B, E, M, K], the ONNX contract's layout (see CONTRACT.md), so that export needs no wrapper."""
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

# Fashion-MNIST's pixel mean and standard deviation over the training set; normalisation lives in the graph.
MEAN, STD = 0.2860, 0.3530
SIDE = 28


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


def trunk_block(cin, cout, convs, strided=False):
    """convs 3x3 convolutions, then a 2x2 max pool; a strided block halves the side in its first convolution
    instead (cheaper at full resolution)."""
    layers = [conv_bn(cin, cout, 2 if strided else 1)] + [conv_bn(cout, cout) for _ in range(convs - 1)]
    return nn.Sequential(*layers) if strided else nn.Sequential(*layers, nn.MaxPool2d(2))


class ExitHead(nn.Module):
    """An exit with some depth of its own (a 3x3 conv, strided on early exits to keep them cheap), pooled,
    then M heads of K logits in one linear layer."""

    def __init__(self, cin, width, slots, classes, stride=1):
        super().__init__()
        self.slots, self.classes = slots, classes
        self.conv = conv_bn(cin, width, stride)
        self.fc = nn.Linear(width, slots * classes)

    def forward(self, h):
        h = F.adaptive_avg_pool2d(self.conv(h), 1).flatten(1)
        return self.fc(h).reshape(-1, self.slots, self.classes)


class MimmoNet(nn.Module):
    """MIMO (Havasi et al., 2021) with early exits (MIMMO, Ferianc & Rodrigues, 2023): the M slots are folded
    into the channels of the first convolution; every exit has M heads; theta[e, m] are the depth logits whose
    softmax over e weighs member m's exits. With slots=1 and one exit it is the plain single network."""

    def __init__(self, slots=3, classes=10, channels=(48, 96, 192), convs=1, exit_width=64, all_exits=True,
                 strided_first=False):
        super().__init__()
        self.slots, self.classes = slots, classes
        widths = [slots] + list(channels)
        self.blocks = nn.ModuleList(trunk_block(widths[i], widths[i + 1], convs, strided_first and i == 0)
                                    for i in range(len(channels)))
        exit_at = range(len(channels)) if all_exits else [len(channels) - 1]
        self.exit_at = list(exit_at)
        last = len(channels) - 1
        self.exits = nn.ModuleList(ExitHead(channels[i], exit_width, slots, classes, 1 if i == last else 2)
                                   for i in self.exit_at)
        self.theta = nn.Parameter(torch.zeros(len(self.exit_at), slots))

    @property
    def num_exits(self):
        return len(self.exit_at)

    def exit_weights(self):
        return torch.softmax(self.theta, dim=0)

    def forward(self, x):
        h = ((x - MEAN) / STD).reshape(-1, self.slots, SIDE, SIDE)
        outs = []
        heads = iter(self.exits)
        for i, block in enumerate(self.blocks):
            h = block(h)
            if i in self.exit_at:
                outs.append(next(heads)(h))
        return torch.stack(outs, dim=1)


def unitary_key(dim, rng):
    """A real vector whose spectrum has modulus 1: circular convolution with it is an orthogonal map,
    so circular correlation (the transpose) unbinds exactly (HRR with unitary keys)."""
    spectrum = np.exp(1j * rng.uniform(-np.pi, np.pi, dim // 2 + 1))
    spectrum[0] = np.sign(rng.standard_normal())
    if dim % 2 == 0:
        spectrum[-1] = np.sign(rng.standard_normal())
    return np.fft.irfft(spectrum, n=dim)


def circulant(key):
    """C with C @ v == circular convolution of key and v."""
    return key[circulant_index(len(key))]


def circulant_index(dim):
    """index[i, j] = (i - j) mod dim: key[index] is the circulant matrix C with C @ v == key (circular conv) v."""
    return (np.arange(dim)[:, None] - np.arange(dim)[None, :]) % dim


class MimoNet(nn.Module):
    """MIMONet (Menet et al., 2023, MIMOConv): a shared per-slot stem; binding of slot m's feature vector at every
    pixel with a trainable key m (HRR: circular convolution through the channels); superposition by summation; a
    shared trunk computing on the superposition; global pooling; a learned unbinding per slot (a linear map of the
    pooled features to M feature vectors, then ReLU, the paper's 1x1 convolution after pooling); a shared
    classifier. Output [B, 1, M, K].

    The keys start unitary (circular convolution with them is orthogonal) and are trained with the network; the
    paper keeps them near orthonormal with `key_regularization()` (its binding regularization, weight 0.1). The
    circulant matrices are built from the keys by a fixed gather, so the export folds them into a plain Conv."""

    def __init__(self, slots=3, classes=10, stem=64, channels=(128, 256), key_seed=1234, convs=1):
        super().__init__()
        self.slots, self.classes, self.stem_width = slots, classes, stem
        self.stem = conv_bn(1, stem, stride=2)
        # The rest of the first block (convs - 1 convolutions at the stem's width) computes in superposition,
        # so that with `convs` the trunk matches MimmoNet's with a strided first block.
        rest = [conv_bn(stem, stem) for _ in range(convs - 1)]
        widths = [stem] + list(channels)
        blocks = [trunk_block(widths[i], widths[i + 1], convs) for i in range(len(channels))]
        self.trunk = nn.Sequential(*rest, *blocks)
        self.width = widths[-1]
        rng = np.random.default_rng(key_seed)
        keys = np.stack([unitary_key(stem, rng) for _ in range(slots)])
        self.keys = nn.Parameter(torch.tensor(keys, dtype=torch.float32))
        # binding()[i, m * stem + j] = keys[m, (i - j) mod stem]: one gather from the flattened keys.
        index = np.arange(slots)[None, :, None] * stem + circulant_index(stem)[:, None, :]
        self.register_buffer("index", torch.tensor(index.reshape(stem, slots * stem, 1, 1), dtype=torch.long),
                             persistent=False)
        self.unbind = nn.Linear(self.width, slots * self.width)
        self.fc = nn.Linear(self.width, classes)
        self.theta = nn.Parameter(torch.zeros(1, slots), requires_grad=False)

    num_exits = 1

    def exit_weights(self):
        return torch.softmax(self.theta, dim=0)

    def binding(self):
        """[stem, M * stem, 1, 1]: the 1x1 convolution that binds slot m with C_m and sums the slots."""
        return self.keys.reshape(-1)[self.index]  # block m is C_m, with C_m @ v == key_m (circular conv) v

    def key_regularization(self):
        """Mean squared cosine between distinct keys plus mean squared deviation of their norms from 1
        (MIMOConv's binding regularization): keeps the keys near orthonormal, so that unbinding stays possible."""
        norms = self.keys.norm(dim=1)
        unit = self.keys / norms[:, None].clamp(min=1e-8)
        cos = unit @ unit.t()
        pairs = self.slots * (self.slots - 1) / 2
        off = torch.triu(cos, diagonal=1).pow(2).sum() / pairs if self.slots > 1 else cos.new_zeros(())
        return off + (norms - 1).pow(2).mean()

    @property
    def functional_macs(self):
        """Multiply-accumulates per row that module hooks do not count once per row: the binding (a functional
        convolution) and the stem of the slots after the first (the hooks count the stem per image)."""
        side = (SIDE + 1) // 2
        stem = side * side * self.stem_width * 9
        return side * side * self.stem_width * self.slots * self.stem_width + (self.slots - 1) * stem

    def forward(self, x):
        h = self.stem(((x - MEAN) / STD).reshape(-1, 1, SIDE, SIDE))
        side = (SIDE + 1) // 2  # a constant, so that the exported graph needs no Shape nodes
        h = h.reshape(-1, self.slots * self.stem_width, side, side)
        h = F.conv2d(h, self.binding())  # binding and superposition in one map: sum_m C_m h_m
        z = F.adaptive_avg_pool2d(self.trunk(h), 1).flatten(1)
        z = F.relu(self.unbind(z)).reshape(-1, self.slots, self.width)
        return self.fc(z).unsqueeze(1)


class EnsembleNet(nn.Module):
    """A deep ensemble as one graph: slot m feeds member m, a single network with one slot. Output [B, 1, M, K]."""

    def __init__(self, members):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.slots, self.classes = len(members), members[0].classes
        self.theta = nn.Parameter(torch.zeros(1, self.slots), requires_grad=False)

    num_exits = 1

    def exit_weights(self):
        return torch.softmax(self.theta, dim=0)

    def forward(self, x):
        return torch.cat([m(x[:, i:i + 1]) for i, m in enumerate(self.members)], dim=2)


def build(family, hp):
    """Builds a network from its family and hyper-parameters (the `hp` dict saved in every checkpoint)."""
    if family == "mimmo":
        return MimmoNet(hp["slots"], hp["classes"], tuple(hp["channels"]), hp["convs"], hp["exit_width"], True,
                        hp.get("strided_first", False))
    if family == "single":
        return MimmoNet(1, hp["classes"], tuple(hp["channels"]), hp["convs"], hp["exit_width"], False,
                        hp.get("strided_first", False))
    if family == "mimonet":
        return MimoNet(hp["slots"], hp["classes"], hp["stem"], tuple(hp["channels"]), hp["key_seed"], hp.get("convs", 1))
    raise ValueError(f"unknown family {family!r}")
