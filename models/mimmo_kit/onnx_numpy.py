"""A small reference evaluator of ONNX graphs in numpy, for the operators our exports use. There is no ONNX
Runtime for Python here; this lets `check --run` and the tests compare an exported graph with PyTorch."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from onnx import numpy_helper


def _attrs(node):
    out = {}
    for a in node.attribute:
        if a.type == a.INT:
            out[a.name] = a.i
        elif a.type == a.INTS:
            out[a.name] = list(a.ints)
        elif a.type == a.FLOAT:
            out[a.name] = a.f
        elif a.type == a.TENSOR:
            out[a.name] = numpy_helper.to_array(a.t)
    return out


def _windows(x, kernel, strides, pads, fill):
    """[N, C, H, W] -> [N, C, H', W', kh, kw] strided windows after padding."""
    top, left, bottom, right = pads
    x = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=fill)
    w = sliding_window_view(x, kernel, axis=(2, 3))
    return w[:, :, ::strides[0], ::strides[1]]


def _conv(x, w, b=None, group=1, strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1), **_):
    if group != 1 or tuple(dilations) != (1, 1):
        raise NotImplementedError("Conv with groups or dilations")
    cols = _windows(x, w.shape[2:], strides, pads, 0.0)
    y = np.einsum("nchwij,ocij->nohw", cols, w, optimize=True)
    return y if b is None else y + b[None, :, None, None]


def _maxpool(x, kernel_shape, strides=None, pads=(0, 0, 0, 0), ceil_mode=0, **_):
    if ceil_mode:
        raise NotImplementedError("MaxPool with ceil_mode")
    return _windows(x, kernel_shape, strides or kernel_shape, pads, -np.inf).max(axis=(-2, -1))


def _gemm(a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0, **_):
    y = alpha * (a.T if transA else a) @ (b.T if transB else b)
    return y if c is None else y + beta * c


def _reshape(x, shape, allowzero=0, **_):
    shape = [x.shape[i] if (d == 0 and not allowzero) else int(d) for i, d in enumerate(shape)]
    return x.reshape(shape)


def _flatten(x, axis=1, **_):
    return x.reshape(int(np.prod(x.shape[:axis])), -1)


def _slice(x, starts, ends, axes=None, steps=None, **_):
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        index[int(a)] = slice(int(s), int(min(e, np.iinfo(np.int64).max)), int(st))
    return x[tuple(index)]


def _unsqueeze(x, axes, **_):
    for a in sorted(int(a) % (x.ndim + len(axes)) for a in axes):
        x = np.expand_dims(x, a)
    return x


def _topk(x, k, axis=-1, largest=1, sorted=1, **_):
    if not largest:
        raise NotImplementedError("TopK with largest=0")
    k = int(np.asarray(k).reshape(-1)[0])
    index = np.argsort(-x, axis=axis, kind="stable").take(np.arange(k), axis=axis)
    return np.take_along_axis(x, index, axis=axis), index.astype(np.int64)


def _reduce_sum(x, axes=None, keepdims=1, noop_with_empty_axes=0, **_):
    if axes is None or len(np.atleast_1d(axes)) == 0:
        return x if noop_with_empty_axes else x.sum(keepdims=bool(keepdims))
    return x.sum(axis=tuple(int(a) for a in np.atleast_1d(axes)), keepdims=bool(keepdims))


def _log_softmax(x, axis=-1, **_):
    shifted = x - x.max(axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))


OPS = {
    "Conv": _conv, "MaxPool": _maxpool, "Gemm": _gemm, "Reshape": _reshape, "Flatten": _flatten,
    "Slice": _slice, "Unsqueeze": _unsqueeze,
    "Relu": lambda x, **_: np.maximum(x, 0),
    "GlobalAveragePool": lambda x, **_: x.mean(axis=tuple(range(2, x.ndim)), keepdims=True),
    "MatMul": lambda a, b, **_: a @ b,
    "Add": lambda a, b, **_: a + b, "Sub": lambda a, b, **_: a - b,
    "Mul": lambda a, b, **_: a * b, "Div": lambda a, b, **_: a / b,
    "Concat": lambda *xs, axis, **_: np.concatenate(xs, axis=axis),
    "Identity": lambda x, **_: x,
    "Constant": lambda value, **_: value,
    "Shape": lambda x, **_: np.array(x.shape, dtype=np.int64),
    "Gather": lambda x, i, axis=0, **_: np.take(x, i, axis=axis),
    "Squeeze": lambda x, axes=None, **_: np.squeeze(x, axis=None if axes is None else tuple(int(a) for a in axes)),
    "TopK": _topk, "ReduceSum": _reduce_sum, "LogSoftmax": _log_softmax,
    "Exp": lambda x, **_: np.exp(x), "Neg": lambda x, **_: -x,
    "Sigmoid": lambda x, **_: 1 / (1 + np.exp(-x)),
    "Softplus": lambda x, **_: np.logaddexp(0, x).astype(x.dtype),
    "ConstantOfShape": lambda shape, value=None, **_: np.full(
        tuple(int(d) for d in shape), 0.0 if value is None else value.reshape(-1)[0], dtype=np.float32 if value is None else value.dtype),
    "Softmax": lambda x, axis=-1, **_: (lambda e: e / e.sum(axis, keepdims=True))(np.exp(x - x.max(axis, keepdims=True))),
}


def run(model, feeds):
    """Evaluates the graph of an onnx ModelProto on {input name: array}; returns the list of outputs."""
    values = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    values.update(feeds)
    for node in model.graph.node:
        op = OPS.get(node.op_type)
        if op is None:
            raise NotImplementedError(f"operator {node.op_type} is not supported by the numpy evaluator")
        args = [values[n] if n else None for n in node.input]
        while args and args[-1] is None:
            args.pop()
        result = op(*args, **_attrs(node))
        for name, value in zip(node.output, result if isinstance(result, tuple) else (result,)):
            values[name] = value
    return [values[o.name] for o in model.graph.output]
