"""Names and helpers of the ONNX model contract (CONTRACT.md), shared by export and check."""
import json

from . import FORMAT_VERSION

INPUT, OUTPUT, OPSET, BATCH = "input", "logits", 17, "batch"
GATE, ACTIVATION, NEXT_ACTIVATION = "gate", "activation", "next_activation"  # staged models
FAMILIES = ("mimmo", "mimonet", "single", "ensemble", "jeidnn")
PREFIX = "mimmo."
KEYS = ("format_version", "family", "slots", "exits", "num_classes", "item_shape", "exit_weights", "labels",
        "ensemble_sizes", "replication", "default_ensemble_size", "metrics")
CONFIG_KEYS = {"default_ensemble_size": int, "max_rows_per_run": int, "max_queue_delay_ms": (int, float),
               "gather_when_idle": bool, "queue_size": int, "execution_provider": str, "intra_op_threads": int, "inter_op_threads": int, "exit_policy": (str, int, float),
               "max_items_per_request": int, "run_timeout_ms": (int, float), "labels": list, "output": str, "regression": str,
               "input_scale": (int, float), "input_offset": (int, float), "input_range": list}
INPUT_KEYS = ("input_scale", "input_offset", "input_range")  # optional, in the metadata (mimmo.*) or config.json
PROVIDERS = ("cpu", "cuda", "tensorrt")
OUTPUTS = ("logits", "probabilities", "regression")  # mimmo.output / config.json output
REGRESSION_HEADS = ("mean", "mean_variance")  # mimmo.regression / config.json regression


def replication(slots, sizes):
    """Slot groups per ensemble size: k consecutive slots per group, as the MIMO families are trained
    (any k slots of one row hold copies of one input; with k = M, all of them)."""
    return {str(k): [list(range(g * k, (g + 1) * k)) for g in range(slots // k)] for k in sizes}


def metadata(family, slots, exits, classes, item_shape, exit_weights, labels, sizes, default_size, metrics,
             input_values=None, regression=None):
    """The mimmo.* keys; input_values: the optional input keys ({"input_scale": 1 / 255, "input_range": [0, 1]});
    regression: a regression model's head ("mean" or "mean_variance"), `classes` then being its T targets."""
    values = {
        "format_version": FORMAT_VERSION, "family": family, "slots": str(slots), "exits": str(exits),
        ("num_classes" if regression is None else "num_targets"): str(classes), "item_shape": json.dumps(list(item_shape)),
        "exit_weights": json.dumps(exit_weights), "labels": json.dumps(list(labels)),
        "ensemble_sizes": json.dumps(sorted(sizes)), "replication": json.dumps(replication(slots, sizes)),
        "default_ensemble_size": str(default_size), "metrics": json.dumps(metrics or {}),
    }
    # repr keeps every digit of a float (1/255 as 0.00392156862745098), so the server's byte table is exact.
    values.update({k: json.dumps(v) if isinstance(v, list) else repr(float(v)) for k, v in (input_values or {}).items()})
    if regression is not None:
        values.update({"output": "regression", "regression": regression})
    return {PREFIX + k: v for k, v in values.items()}


def fix_dims(value, dims):
    """Every dimension of a graph input or output fixed to `dims` but the first, the batch (torch 1.13 leaves some
    symbolic)."""
    shape = value.type.tensor_type.shape
    shape.dim[0].ClearField("dim_value")
    shape.dim[0].dim_param = BATCH
    for d, size in zip(shape.dim[1:], dims):
        d.ClearField("dim_param")
        d.dim_value = size


def set_metadata(model, values):
    """Sets (replaces) metadata_props entries of an onnx ModelProto."""
    kept = [p for p in model.metadata_props if p.key not in values]
    del model.metadata_props[:]
    for p in kept:
        model.metadata_props.add(key=p.key, value=p.value)
    for k, v in values.items():
        model.metadata_props.add(key=k, value=v)
