"""Checkpoints: what `train` saves, and ensembles assembled from several single-network checkpoints."""
import torch

from . import nets, staged


def load(path):
    """Returns (family, network in eval mode, the checkpoint dict)."""
    ckpt = torch.load(path, map_location="cpu")
    net = build(ckpt)
    net.eval()
    return ckpt["family"], net, ckpt


def build(ckpt):
    if ckpt["family"] == "ensemble":
        net = nets.EnsembleNet([build(member) for member in ckpt["members"]])
    elif ckpt["family"] == "jeidnn":
        net = staged.build(ckpt["hp"])
        net.load_state_dict(ckpt["state"])
    elif "arch" in ckpt["hp"]:  # a mimoize run: the user's network made MIMO
        from . import mimoize
        net = mimoize.build(ckpt["hp"])
        net.load_state_dict(ckpt["state"])
    else:
        net = nets.build(ckpt["family"], ckpt["hp"])
        net.load_state_dict(ckpt["state"])
    return net


def ensemble(paths):
    """One checkpoint of family `ensemble` whose member m is the single network of paths[m]."""
    members = []
    for path in paths:
        ckpt = torch.load(path, map_location="cpu")
        if ckpt["family"] != "single":
            raise ValueError(f"{path}: an ensemble member must be a single network, not {ckpt['family']}")
        members.append({k: ckpt[k] for k in ("family", "hp", "state", "history")})
    return {"family": "ensemble", "members": members,
            "history": [m["history"] for m in members]}
