"""What a network costs: parameters, multiply-accumulates per row (one pass of M slots), seconds per step."""
import time

import torch

from . import data
from .staged import _macs


def parameters(net):
    return sum(p.numel() for p in net.parameters())


def macs_per_row(net):
    """Multiply-accumulates of the convolutions and linear layers for one row (the kit's MAC count, with the
    functional convolutions a network declares, such as MIMONet's binding)."""
    was = net.training
    net.eval()
    count, _ = _macs(net, torch.rand(1, net.slots, *getattr(net, "item_shape", data.ITEM_SHAPE)))
    net.train(was)
    return count + getattr(net, "functional_macs", 0)


def seconds_per_step(step, batches, warm=1):
    """Wall and CPU seconds of one call of step() (a training step), averaged over `batches` calls after `warm`
    untimed ones (the first calls allocate)."""
    for _ in range(warm):
        step()
    t0, c0 = time.time(), time.process_time()
    for _ in range(batches):
        step()
    return (time.time() - t0) / batches, (time.process_time() - c0) / batches
