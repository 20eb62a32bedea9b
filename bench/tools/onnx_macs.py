"""Multiply-accumulates per row of ONNX models, counted from the graph as the server runs it.

Usage: /usr/bin/python3 bench/tools/onnx_macs.py MODEL.onnx [MODEL.onnx ...]
Prints one JSON object {path: macs_per_row}. Used by bench/MimmoServe.Bench.Suite for the engine's achieved
multiply-accumulates per second. The batch dimension (the first of the first input) is fixed at 1 and shapes are
inferred with onnx's shape inference; Conv, Gemm and MatMul are counted (their MACs dominate these
networks: element-wise ops, pooling and softmax are left out, so the count is a slight underestimate).
"""
import json
import sys

import onnx
from onnx import shape_inference


def dims(value_info):
    return [d.dim_value if d.HasField("dim_value") else 1 for d in value_info.type.tensor_type.shape.dim]


def macs_per_row(path):
    model = onnx.load(path)
    graph = model.graph
    initializers = {t.name for t in graph.initializer}
    for value in graph.input:
        if value.name in initializers:
            continue
        first = value.type.tensor_type.shape.dim[0]
        first.Clear()
        first.dim_value = 1
    inferred = shape_inference.infer_shapes(model).graph
    shapes = {v.name: dims(v) for v in list(inferred.value_info) + list(inferred.input) + list(inferred.output)}
    shapes.update({t.name: list(t.dims) for t in graph.initializer})
    total = 0
    for node in inferred.node:
        if node.op_type == "Conv":
            weight = shapes[node.input[1]]
            out = shapes[node.output[0]]
            elements = 1
            for d in out:
                elements *= d
            per_output = 1
            for d in weight[1:]:
                per_output *= d
            total += elements * per_output
        elif node.op_type in ("Gemm", "MatMul"):
            a = shapes[node.input[0]]
            out = shapes[node.output[0]]
            transposed = node.op_type == "Gemm" and any(x.name == "transA" and x.i for x in node.attribute)
            inner = a[-2] if transposed else a[-1]
            elements = 1
            for d in out:
                elements *= d
            total += elements * inner
    return total


if __name__ == "__main__":
    print(json.dumps({p: macs_per_row(p) for p in sys.argv[1:]}))
