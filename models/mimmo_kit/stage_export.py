"""Export of a staged model (family jeidnn): one ONNX graph per stage, stage 0 as model.onnx with the contract's
metadata and `mimmo.stages`, the later ones as stage1.onnx, stage2.onnx, ... (CONTRACT.md, "Staged models")."""
import json
import os

import onnx
import torch

from . import contract, data, staged
from .export import ensemble_sizes



def stage_file(s):
    return "model.onnx" if s == 0 else f"stage{s}.onnx"


def export(net, folder, default_size=0, metrics=None, conformal=None):
    """Writes every stage's graph into folder; returns the file names. conformal: the split-conformal
    thresholds per ensemble size and exit that `gates` calibrated (mimmo.conformal), if any."""
    net.eval()
    slots, classes, exits = net.slots, net.classes, net.num_exits
    files = [stage_file(s) for s in range(exits)]
    h = torch.rand(2, slots, *data.ITEM_SHAPE)
    sizes = ensemble_sizes(slots)
    stages = {"files": files, "costs": [float(c) for c in net.costs], "gate_threshold": 0.5}
    for s in range(exits):
        last = s == exits - 1
        # A new module is in training mode, which the exporter restores afterwards on everything under it.
        module = staged.StageModule(net, s).eval()
        with torch.no_grad():
            out = module(h)
        in_name = contract.INPUT if s == 0 else contract.ACTIVATION
        out_names = [contract.OUTPUT, contract.GATE] + ([] if last else [contract.NEXT_ACTIVATION])
        path = os.path.join(folder, files[s])
        with torch.no_grad():
            torch.onnx.export(module, h, path, opset_version=contract.OPSET, input_names=[in_name],
                              output_names=out_names, do_constant_folding=True,
                              dynamic_axes={n: {0: contract.BATCH} for n in [in_name, *out_names]})
        model = onnx.load(path)
        contract.fix_dims(model.graph.input[0], list(h.shape[1:]))
        for value, tensor in zip(model.graph.output, out):
            contract.fix_dims(value, list(tensor.shape[1:]))
        if s == 0:
            weights = net.exit_weights().double().tolist()
            values = contract.metadata("jeidnn", slots, exits, classes, data.ITEM_SHAPE, weights, data.LABELS,
                                       sizes, default_size or slots, metrics, data.INPUT_VALUES)
            values[contract.PREFIX + "stages"] = json.dumps(stages)
            if conformal:
                values[contract.PREFIX + "conformal"] = json.dumps(conformal)
        else:
            values = {contract.PREFIX + "format_version": "1", contract.PREFIX + "stage": str(s)}
        contract.set_metadata(model, values)
        onnx.checker.check_model(model)
        onnx.save(model, path)
        if not last:
            h = out[2]
    return files
