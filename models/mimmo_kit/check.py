"""Check ONNX models (and the config.json beside them) against the model contract (CONTRACT.md)."""
import json
import math
import os

import numpy as np
import onnx

from . import contract

FLOAT = onnx.TensorProto.FLOAT


class ContractError(Exception):
    """A model breaks the contract; the message lists every broken rule."""


def _dims(value):
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?")
            for d in value.type.tensor_type.shape.dim]


def _int(meta, key, errors):
    text = meta.get(key, "")
    if not text.isdigit() or int(text) < 1:
        errors.append(f"{contract.PREFIX}{key} must be a decimal integer >= 1, got {text!r}")
        return None
    return int(text)


def _json(meta, key, errors):
    try:
        return json.loads(meta[key])
    except (KeyError, ValueError) as e:
        errors.append(f"{contract.PREFIX}{key} is not valid JSON: {e}")
        return None


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _check_tensor(value, name, rank_dims, errors):
    """rank_dims: the expected dims after the batch (None: any positive fixed size)."""
    if value.type.tensor_type.elem_type != FLOAT:
        errors.append(f"{name} {value.name!r} must be float32, is {onnx.TensorProto.DataType.Name(value.type.tensor_type.elem_type)}")
    dims = _dims(value)
    if len(dims) != 1 + len(rank_dims):
        errors.append(f"{name} {value.name!r} must have rank {1 + len(rank_dims)}, has shape {dims}")
        return dims
    if _is_int(dims[0]) and dims[0] != 0:
        errors.append(f"{name} {value.name!r}: the batch dimension must be dynamic, is fixed at {dims[0]}")
    for i, (got, want) in enumerate(zip(dims[1:], rank_dims), start=1):
        if not _is_int(got) or got <= 0:
            errors.append(f"{name} {value.name!r}: dimension {i} must be fixed, is {got!r} (shape {dims})")
        elif want is not None and got != want:
            errors.append(f"{name} {value.name!r}: dimension {i} must be {want}, is {got} (shape {dims})")
    return dims


def _check_metadata(meta, errors, regression=None):
    """Validates the mimmo.* values; returns (M, E, K, item_shape, sizes), None where unreadable. A regression model
    (regression = its head's has-variance flag) carries num_targets T in place of num_classes and names T targets; its
    K is then the output's last dimension, T or 2T."""
    keys = [("num_targets" if k == "num_classes" and regression is not None else k) for k in contract.KEYS]
    missing = [contract.PREFIX + k for k in keys if contract.PREFIX + k not in meta]
    if missing:
        errors.append(f"metadata_props lacks {', '.join(missing)}")
    meta = {k[len(contract.PREFIX):]: v for k, v in meta.items() if k.startswith(contract.PREFIX)}
    if meta.get("format_version") != "1":
        errors.append(f"mimmo.format_version must be \"1\", got {meta.get('format_version')!r}")
    if meta.get("family") not in contract.FAMILIES:
        errors.append(f"mimmo.family must be one of {', '.join(contract.FAMILIES)}, got {meta.get('family')!r}")
    m, e, k = (_int(meta, key, errors) for key in ("slots", "exits", "num_classes" if regression is None else "num_targets"))
    named = k
    if regression and k:
        k = 2 * k
    item = _json(meta, "item_shape", errors)
    if item is not None and (not isinstance(item, list) or not item or not all(_is_int(d) and d > 0 for d in item)):
        errors.append(f"mimmo.item_shape must be a JSON list of positive ints, got {meta['item_shape']!r}")
        item = None
    weights = _json(meta, "exit_weights", errors)
    if weights is not None and m and e:
        if (not isinstance(weights, list) or len(weights) != e
                or not all(isinstance(r, list) and len(r) == m for r in weights)
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for r in weights for v in r)):
            errors.append(f"mimmo.exit_weights must be {e} rows of {m} numbers, got {meta['exit_weights'][:200]}")
        else:
            if any(v < 0 for r in weights for v in r):
                errors.append("mimmo.exit_weights has a negative weight")
            for s in range(m):
                total = sum(r[s] for r in weights)
                if abs(total - 1) > 1e-4:
                    errors.append(f"mimmo.exit_weights: member {s}'s weights sum to {total}, not 1")
    labels = _json(meta, "labels", errors)
    if labels is not None and named and (not isinstance(labels, list) or len(labels) != named
                                         or not all(isinstance(x, str) for x in labels)):
        errors.append(f"mimmo.labels must be a JSON list of {named} strings")
    sizes = _json(meta, "ensemble_sizes", errors)
    if sizes is not None and m:
        if (not isinstance(sizes, list) or not sizes or not all(_is_int(x) and 1 <= x <= m for x in sizes)
                or sizes != sorted(set(sizes))):
            errors.append(f"mimmo.ensemble_sizes must be a sorted list of distinct ints in 1..{m}, got {sizes}")
            sizes = None
    rep = _json(meta, "replication", errors)
    if rep is not None and sizes and m:
        _check_replication(rep, sizes, m, errors)
    default = meta.get("default_ensemble_size", "")
    if sizes and (not default.isdigit() or int(default) not in sizes):
        errors.append(f"mimmo.default_ensemble_size must be one of {sizes}, got {default!r}")
    metrics = _json(meta, "metrics", errors)
    if metrics is not None and not isinstance(metrics, dict):
        errors.append("mimmo.metrics must be a JSON object")
    return m, e, k, item, sizes


def _input_values(meta, overrides, errors):
    """The input keys as the server reads them (ContractReader.InputOf): mimmo.input_* over which config.json's win,
    key by key. A scale above 0; an offset only with a scale; a range [min, max] with min < max; bytes 0 and 255 within
    the range (to a rounding). Returns "uint8 and float32" or "float32" for the summary."""
    values = {}
    for key in contract.INPUT_KEYS:
        if key in overrides:
            values[key] = (overrides[key], f"config.json {key}")
        elif contract.PREFIX + key in meta:
            try:
                values[key] = (json.loads(meta[contract.PREFIX + key]), contract.PREFIX + key)
            except ValueError:
                errors.append(f"{contract.PREFIX + key} is not valid JSON: {meta[contract.PREFIX + key]!r}")
                return "float32"

    def number(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

    scale, scale_key = values.get("input_scale", (None, None))
    offset, offset_key = values.get("input_offset", (None, None))
    rng, range_key = values.get("input_range", (None, None))
    if scale_key and (not number(scale) or not scale > 0):
        errors.append(f"{scale_key} must be a number above 0 (the value of one step of a byte), is {scale!r}")
        scale = None
    if offset_key and not number(offset):
        errors.append(f"{offset_key} must be a finite number, is {offset!r}")
    elif offset_key and scale_key is None:
        errors.append(f"{offset_key}: an offset without a scale; declare input_scale too, or neither")
    if range_key and (not isinstance(rng, list) or len(rng) != 2 or not all(number(v) for v in rng) or not rng[0] < rng[1]):
        errors.append(f"{range_key} must be [min, max] with min < max, is {rng!r}")
        rng = None
    if scale is not None and rng is not None and number(offset if offset is not None else 0):
        low, high = (offset or 0), (offset or 0) + 255 * scale
        slack = (rng[1] - rng[0]) * 1e-5
        if low < rng[0] - slack or high > rng[1] + slack:
            errors.append(f"{scale_key}: bytes 0..255 mean {low:g}..{high:g}, outside the input range {rng} ({range_key})")
    return "uint8 and float32" if scale is not None else "float32"


VALUE_MOVING = {"Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Cast"}


def computed_by(graph, name, steps=0):
    """The operator computing the value `name`, looking back through operators that only move values and through a
    Concat whose inputs all come from one operator (as the server reads it: src/MimmoServe.Onnx/OnnxGraph.cs);
    None for a graph input or initializer, or a Concat of mixed origins."""
    producers = {o: n for n in graph.node for o in n.output}
    while steps < 64 and name in producers:
        steps += 1
        node = producers[name]
        if node.op_type in VALUE_MOVING and node.input:
            name = node.input[0]
            continue
        if node.op_type == "Concat" and node.input:
            origins = {computed_by(graph, i, steps) for i in node.input}
            return origins.pop() if len(origins) == 1 else None
        return node.op_type
    return None


def _regression(meta, overrides, errors):
    """Whether the output is declared a regression (mimmo.output / config.json output = regression) and then whether its
    head has variances (mimmo.regression / config.json regression = mean_variance); None for a classifier, as the
    server reads it (ContractReader.DeclaredRegression)."""
    output = overrides.get("output") if isinstance(overrides.get("output"), str) else meta.get(contract.PREFIX + "output")
    head = overrides.get("regression") if isinstance(overrides.get("regression"), str) else meta.get(contract.PREFIX + "regression")
    if output != "regression":
        if head is not None:
            errors.append(f"a regression head ({head!r}) for an output that is not declared regression")
        return None
    if head not in (None,) + contract.REGRESSION_HEADS:
        errors.append(f"mimmo.regression must be one of {', '.join(contract.REGRESSION_HEADS)}, got {head!r}")
    return head == "mean_variance"


def _output_kind(graph, output, declared, k, errors):
    """What the output holds, as the server decides it (ContractReader.OutputKindOf): mimmo.output when declared, else
    probabilities when the graph ends in Softmax, else logits; refused where no answer would mean what the model
    computed. A declared regression is served as it is."""
    if declared == "regression":
        return "regression"
    op = computed_by(graph, output)
    if k is not None and k < 2:
        errors.append(f"the output has {k} value per input: a regression output or a single-logit binary classifier, "
                      "which a softmax over classes answers with probability 1.0 for every input; a classifier needs "
                      "at least 2 classes, a regression output is declared: mimmo.output = regression "
                      "(\"output\": \"regression\" in config.json)")
    if op == "Sigmoid":
        errors.append("the output is computed by Sigmoid: independent per-class probabilities (multi-label), which "
                      "the server cannot serve as one distribution")
    if declared is None:
        return "probabilities" if op == "Softmax" else "logits"
    if declared not in contract.OUTPUTS:
        errors.append(f"mimmo.output must be one of {', '.join(contract.OUTPUTS)}, got {declared!r}")
    elif declared == "logits" and op == "Softmax":
        errors.append("the output is declared logits, but the graph computes the output with Softmax: declare "
                      "probabilities or leave the key out")
    return declared


def _check_replication(rep, sizes, m, errors):
    if not isinstance(rep, dict) or sorted(rep) != sorted(str(s) for s in sizes):
        keys = sorted(rep) if isinstance(rep, dict) else rep
        errors.append(f"mimmo.replication must have exactly the keys {[str(s) for s in sizes]}, got {keys}")
        return
    for size in sizes:
        groups = rep[str(size)]
        used = set()
        if not isinstance(groups, list) or not groups:
            errors.append(f"mimmo.replication[\"{size}\"] must be a non-empty list of slot groups")
            continue
        for g in groups:
            if (not isinstance(g, list) or len(g) != size or len(set(map(str, g))) != size
                    or not all(_is_int(s) and 0 <= s < m for s in g)):
                errors.append(f"mimmo.replication[\"{size}\"]: group {g} must hold {size} distinct slots in [0, {m})")
            elif used & set(g):
                errors.append(f"mimmo.replication[\"{size}\"]: groups overlap at slots {sorted(used & set(g))}")
            else:
                used |= set(g)


def _config_overrides(path):
    """What config.json says over the model's metadata (labels, output), as the server reads it; {} without a
    readable one (_check_config reports what is wrong with it)."""
    try:
        with open(path) as f:
            config = json.load(f)
    except (OSError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}


def _check_config(path, sizes, errors, staged=False):
    try:
        with open(path) as f:
            config = json.load(f)
    except ValueError as e:
        errors.append(f"{path} is not valid JSON: {e}")
        return
    if not isinstance(config, dict):
        errors.append(f"{path} must hold a JSON object")
        return
    for key, value in config.items():
        kind = contract.CONFIG_KEYS.get(key)
        if kind is None:
            errors.append(f"{path}: unknown key {key!r} (known: {', '.join(contract.CONFIG_KEYS)})")
        elif (kind is bool) != isinstance(value, bool) or not isinstance(value, kind):
            errors.append(f"{path}: {key} has the wrong type ({type(value).__name__})")
    minimum = {"max_rows_per_run": 1, "queue_size": 1, "max_queue_delay_ms": 0, "intra_op_threads": 0,
               "inter_op_threads": 0, "max_items_per_request": 1, "run_timeout_ms": 10}
    labels = config.get("labels")
    if isinstance(labels, list) and (not labels or not all(isinstance(x, str) and x.strip() for x in labels)):
        errors.append(f"{path}: labels must be a non-empty list of non-empty strings")
    if config.get("output", "logits") not in contract.OUTPUTS:
        errors.append(f"{path}: output must be one of {', '.join(contract.OUTPUTS)}, is {config.get('output')!r}")
    if config.get("regression", "mean") not in contract.REGRESSION_HEADS:
        errors.append(f"{path}: regression must be one of {', '.join(contract.REGRESSION_HEADS)}, is {config.get('regression')!r}")
    for key, low in minimum.items():
        value = config.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < low:
            errors.append(f"{path}: {key} must be >= {low}, is {value}")
    if config.get("execution_provider", "cpu") not in contract.PROVIDERS:
        errors.append(f"{path}: execution_provider must be one of {', '.join(contract.PROVIDERS)}")
    policy = config.get("exit_policy")
    if policy is not None and not _valid_policy(policy, staged):
        errors.append(f"{path}: exit_policy must be " + ("\"auto\", \"full\" or a number in (0, 1]" if staged else
                      "\"full\" (the model is not staged)") + f", is {policy!r}")
    default = config.get("default_ensemble_size")
    if _is_int(default) and sizes and default not in sizes:
        errors.append(f"{path}: default_ensemble_size {default} is not one of the model's ensemble sizes {sizes}")


def _valid_policy(policy, staged):
    if policy == "full":
        return True
    if not staged:
        return False
    if policy == "auto":
        return True
    try:
        return 0 < float(policy) <= 1
    except (TypeError, ValueError):
        return False


def execute(model, input_dims, output_dims, rows=2):
    """Runs the graph in numpy on random pixels; returns an error text or None."""
    from . import onnx_numpy

    x = np.random.default_rng(0).random((rows, *input_dims[1:]), dtype=np.float32)
    try:
        (y,) = onnx_numpy.run(model, {model.graph.input[0].name: x})
    except NotImplementedError as e:
        return f"cannot run the graph in numpy: {e}"
    want = (rows, *output_dims[1:])
    if tuple(y.shape) != want:
        return f"running the graph on {rows} rows gave an output of shape {list(y.shape)}, not {list(want)}"
    if not np.isfinite(y).all():
        return "running the graph gave non-finite logits"
    return None


def check(path, execute_graph=False):
    """Returns a one-line summary of a valid model; raises ContractError listing every broken rule.
    execute_graph: also run it in numpy on random pixels and compare the output's shape with the declared one."""
    errors = []
    try:
        model = onnx.load(path)
        onnx.checker.check_model(model)
    except Exception as e:  # onnx raises several types; all of them mean "not a valid ONNX model"
        raise ContractError(f"{path}: not a valid ONNX model: {e}") from e
    inputs = [i for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
    outputs = list(model.graph.output)
    meta = {p.key: p.value for p in model.metadata_props}
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
    if meta.get(contract.PREFIX + "family") == "jeidnn":
        return _check_staged(path, model, inputs, outputs, meta, opset, execute_graph)
    if len(inputs) != 1 or len(outputs) != 1:
        errors.append(f"the graph must have one input and one output, has inputs {[i.name for i in inputs]} "
                      f"and outputs {[o.name for o in outputs]}")
        raise ContractError(f"{path} breaks the model contract:\n  " + "\n  ".join(errors))
    sizes = None
    config = os.path.join(os.path.dirname(path), "config.json")
    overrides = _config_overrides(config)
    regression = _regression(meta, overrides, errors)
    if any(k.startswith(contract.PREFIX) for k in meta):
        m, e, k, item, sizes = _check_metadata(meta, errors, regression)
        if opset != contract.OPSET:
            errors.append(f"the model must import opset {contract.OPSET} of the default domain, imports {opset}")
        for value, want in ((inputs[0], contract.INPUT), (outputs[0], contract.OUTPUT)):
            if value.name != want:
                errors.append(f"the {'input' if want == contract.INPUT else 'output'} must be named {want!r}, "
                              f"is {value.name!r}")
        in_dims = _check_tensor(inputs[0], "input", [m] + (item or [None]), errors)
        out_dims = _check_tensor(outputs[0], "output", [e, m, k], errors)
        width = f"K={k}" if regression is None else f"W={k}"
        summary = f"family={meta.get('mimmo.family')} M={m} E={e} {width} item_shape={item}"
    else:
        # A plain classifier: input [B, *item], output [B, K], served as family single with M = E = 1.
        in_dims = _check_tensor(inputs[0], "input", [None] * max(len(_dims(inputs[0])) - 1, 1), errors)
        out_dims = _check_tensor(outputs[0], "output", [None], errors)
        plain = "plain regression model" if regression is not None else "plain classifier"
        summary = f"{plain}, served as family=single M=1 E=1 K={out_dims[-1]} item_shape={in_dims[1:]}"
        k = out_dims[-1] if out_dims and _is_int(out_dims[-1]) else None
        if regression and k and k % 2:
            errors.append(f"the output has {k} values per input; a mean_variance head gives 2T: T means, then T variances")
    declared = overrides.get("output") if isinstance(overrides.get("output"), str) else meta.get(contract.PREFIX + "output")
    kind = _output_kind(model.graph, outputs[0].name, declared, k, errors)
    named = k // 2 if regression and k else k
    summary += f", output {kind}" + ("" if regression is None else f" ({'mean_variance' if regression else 'mean'}, T={named})")
    summary += f", inputs {_input_values(meta, overrides, errors)}"
    labels = overrides.get("labels")
    if isinstance(labels, list) and named and len(labels) != named:
        errors.append(f"{config}: {len(labels)} labels; the model has {named} {'targets' if regression is not None else 'classes'}")
    if os.path.exists(config):
        _check_config(config, sizes or [1], errors)
    if execute_graph and not errors:
        problem = execute(model, in_dims, out_dims)
        if problem:
            errors.append(problem)
        else:
            summary += ", runs in numpy"
    if errors:
        raise ContractError(f"{path} breaks the model contract:\n  " + "\n  ".join(errors))
    return summary


def _load_stage(path, errors):
    try:
        model = onnx.load(path)
        onnx.checker.check_model(model)
        return model
    except Exception as e:  # as in check(): any failure means "not a valid ONNX model"
        errors.append(f"{path}: not a valid ONNX model: {e}")
        return None


def _check_stage_graph(model, s, last, in_name, in_dims, m, k, errors):
    """One stage's inputs and outputs; returns the dims of its next_activation (None for the last stage)."""
    inputs = [i for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
    want = [contract.OUTPUT, contract.GATE] + ([] if last else [contract.NEXT_ACTIVATION])
    if len(inputs) != 1 or inputs[0].name != in_name:
        errors.append(f"stage {s} must have one input named {in_name!r}, has {[i.name for i in inputs]}")
        return None
    if [o.name for o in model.graph.output] != want:
        errors.append(f"stage {s}'s outputs must be {want}, are {[o.name for o in model.graph.output]}")
        return None
    _check_tensor(inputs[0], f"stage {s} input", in_dims, errors)
    outputs = model.graph.output
    _check_tensor(outputs[0], f"stage {s} output", [1, m, k], errors)
    _check_tensor(outputs[1], f"stage {s} output", [m], errors)
    return None if last else _check_tensor(outputs[2], f"stage {s} output", [None] * (len(_dims(outputs[2])) - 1), errors)[1:]


def _check_stages_key(meta, e, errors):
    stages = _json(meta, "stages", errors)
    if not isinstance(stages, dict) or sorted(stages) != ["costs", "files", "gate_threshold"]:
        errors.append(f"mimmo.stages must be a JSON object with files, costs and gate_threshold, got {stages}")
        return None
    files, costs, threshold = stages["files"], stages["costs"], stages["gate_threshold"]
    if not isinstance(files, list) or len(files) != e or not all(isinstance(f, str) for f in files) or files[:1] != ["model.onnx"]:
        errors.append(f"mimmo.stages files must be {e} file names, the first model.onnx, got {files}")
        return None
    if (not isinstance(costs, list) or len(costs) != e or not all(isinstance(c, (int, float)) and c > 0 for c in costs)
            or abs(sum(costs) - 1) > 1e-4):
        errors.append(f"mimmo.stages costs must be {e} positive numbers summing to 1, got {costs}")
    if not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
        errors.append(f"mimmo.stages gate_threshold must be in (0, 1), got {threshold}")
    return files


def _check_staged(path, model, inputs, outputs, meta, opset, execute_graph):
    """A staged model (CONTRACT.md, "Staged models"): stage 0 is path, the later stages its mimmo.stages files."""
    errors = []
    m, e, k, item, sizes = _check_metadata(meta, errors)
    if meta.get(contract.PREFIX + "output") == "regression":
        errors.append("regression on a staged (early-exit) model: its gates decide where an input stops from class "
                      "confidence; regression is served for models that are not staged")
    if opset != contract.OPSET:
        errors.append(f"the model must import opset {contract.OPSET} of the default domain, imports {opset}")
    files = _check_stages_key({key[len(contract.PREFIX):]: v for key, v in meta.items()}, e, errors) if e else None
    if contract.PREFIX + "conformal" in meta and sizes and e:
        _check_conformal(_json({"conformal": meta[contract.PREFIX + "conformal"]}, "conformal", errors), sizes, e, errors)
    graphs, dims = [model], _check_stage_graph(model, 0, e == 1, contract.INPUT, [m] + (item or [None]), m, k, errors)
    folder = os.path.dirname(path)
    for s, name in enumerate(files[1:] if files and not errors else [], start=1):
        stage = _load_stage(os.path.join(folder, name), errors)
        if stage is None:
            break
        stage_meta = {p.key: p.value for p in stage.metadata_props}
        if stage_meta.get(contract.PREFIX + "stage") != str(s):
            errors.append(f"{name}: mimmo.stage must be \"{s}\", is {stage_meta.get(contract.PREFIX + 'stage')!r}")
        dims = _check_stage_graph(stage, s, s == e - 1, contract.ACTIVATION, dims or [None], m, k, errors)
        graphs.append(stage)
    config = os.path.join(folder, "config.json")
    if os.path.exists(config):
        _check_config(config, sizes or [1], errors, staged=True)
    summary = f"family=jeidnn M={m} E={e} K={k} item_shape={item}, stages {files}"
    summary += f", inputs {_input_values(meta, _config_overrides(config), errors)}"
    if execute_graph and not errors:
        problem = _execute_stages(graphs, [m] + item)
        if problem:
            errors.append(problem)
        else:
            summary += ", runs in numpy"
    if errors:
        raise ContractError(f"{path} breaks the model contract:\n  " + "\n  ".join(errors))
    return summary


def _check_conformal(value, sizes, e, errors):
    thresholds = value.get("thresholds") if isinstance(value, dict) else None
    alpha = value.get("alpha") if isinstance(value, dict) else None
    if not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        errors.append(f"mimmo.conformal alpha must be in (0, 1), got {alpha!r}")
    if (not isinstance(thresholds, dict) or sorted(thresholds) != sorted(str(k) for k in sizes)
            or not all(isinstance(q, list) and len(q) == e and all(isinstance(v, (int, float)) and 0 <= v <= 1 for v in q)
                       for q in thresholds.values())):
        errors.append(f"mimmo.conformal thresholds must map each ensemble size {sizes} to {e} numbers in [0, 1]")


def _execute_stages(graphs, item_dims, rows=2):
    from . import onnx_numpy

    h = np.random.default_rng(0).random((rows, *item_dims), dtype=np.float32)
    for s, graph in enumerate(graphs):
        try:
            outs = onnx_numpy.run(graph, {graph.graph.input[0].name: h})
        except NotImplementedError as e:
            return f"cannot run stage {s} in numpy: {e}"
        if not all(np.isfinite(o).all() for o in outs) or not ((outs[1] >= 0) & (outs[1] <= 1)).all():
            return f"stage {s} gave non-finite logits or gates outside [0, 1]"
        h = outs[-1]
    return None


def add_arguments(p):
    p.add_argument("models", nargs="+", help="model.onnx files or model directories")
    p.add_argument("--run", action="store_true", help="also run each graph in numpy on random pixels")


def run(args):
    failed = 0
    for path in args.models:
        if os.path.isdir(path):
            path = os.path.join(path, "model.onnx")
        try:
            print(f"OK    {path}: {check(path, args.run)}")
        except ContractError as e:
            print(f"FAIL  {e}")
            failed += 1
    return 1 if failed else 0
