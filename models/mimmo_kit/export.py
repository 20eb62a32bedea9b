"""Export a trained checkpoint (or an ensemble of single networks) to ONNX under the model contract."""
import json
import os

import onnx
import torch

from . import checkpoints, contract, data


def add_arguments(p):
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", help="a checkpoint.pt written by train")
    src.add_argument("--ensemble", nargs="+", help="checkpoints of single networks: member m serves slot m")
    p.add_argument("--out", required=True, help="model directory: model.onnx and config.json are written")
    p.add_argument("--default-ensemble-size", type=int, default=0, help="default: all slots (M)")
    p.add_argument("--save-checkpoint", help="with --ensemble: also save the assembled ensemble checkpoint")


def ensemble_sizes(slots):
    return [1] if slots == 1 else [1, slots]


def export(net, family, path, default_size=0, metrics=None):
    """Writes the ONNX file: opset 17, only the batch dimension dynamic, the contract's metadata. A network that
    declares what it takes (item_shape, labels, input_values: mimoize's) is exported with that; the kit's own
    networks take Fashion-MNIST's images."""
    net.eval()
    slots, classes, exits = net.slots, net.classes, net.num_exits
    item_shape = getattr(net, "item_shape", data.ITEM_SHAPE)
    example = torch.rand(2, slots, *item_shape)
    with torch.no_grad():
        torch.onnx.export(net, example, path, opset_version=contract.OPSET, input_names=[contract.INPUT],
                          output_names=[contract.OUTPUT], do_constant_folding=True,
                          dynamic_axes={contract.INPUT: {0: contract.BATCH}, contract.OUTPUT: {0: contract.BATCH}})
    model = onnx.load(path)
    contract.fix_dims(model.graph.input[0], [slots, *item_shape])
    contract.fix_dims(model.graph.output[0], [exits, slots, classes])
    weights = [[float(v) for v in row] for row in net.exit_weights().detach().double().tolist()]
    sizes = ensemble_sizes(slots)
    default_size = default_size or slots
    contract.set_metadata(model, contract.metadata(family, slots, exits, classes, item_shape, weights,
                                                   getattr(net, "labels", data.LABELS), sizes, default_size, metrics,
                                                   getattr(net, "input_values", data.INPUT_VALUES)))
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return model


def write_config(directory, slots, default_size=0):
    """The config.json beside an exported model."""
    config = {"default_ensemble_size": default_size or slots, "max_rows_per_run": 32, "max_queue_delay_ms": 2}
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


def run(args):
    if args.ensemble:
        ckpt = checkpoints.ensemble(args.ensemble)
        if args.save_checkpoint:
            os.makedirs(os.path.dirname(args.save_checkpoint) or ".", exist_ok=True)
            torch.save(ckpt, args.save_checkpoint)
        net = checkpoints.build(ckpt)
        family = "ensemble"
    else:
        family, net, ckpt = checkpoints.load(args.checkpoint)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "model.onnx")
    if family == "jeidnn":
        from . import stage_export
        stage_export.export(net, args.out, args.default_ensemble_size, conformal=ckpt["hp"].get("conformal"))
    else:
        export(net, family, path, args.default_ensemble_size)
    write_config(args.out, net.slots, args.default_ensemble_size)
    print(f"exported {family} (M={net.slots}, E={net.num_exits}, K={net.classes}) to {path}, "
          f"{os.path.getsize(path) / 1e6:.2f} MB")
    return 0
