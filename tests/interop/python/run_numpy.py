#!/usr/bin/env python3
"""Runs an ONNX model's graph in the model kit's numpy evaluator (models/mimmo_kit/onnx_numpy.py) on one input row and
prints the output as JSON: the model run directly, without ONNX Runtime or the server, for tests that compare a
served answer with it.

  run_numpy.py models/regression-diabetes/model.onnx --values 50,1,25,...   # the row's values, flattened ([1, *input dims])

Needs Debian's python3-onnx and python3-numpy: run it with /usr/bin/python3.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "models"))
from mimmo_kit import onnx_numpy  # noqa: E402  (the kit is found through the path set above)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("--values", required=True, metavar="V,V,...", help="one row of the input, flattened")
    args = parser.parse_args(argv)
    model = onnx.load(args.model)
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim[1:]]
    row = np.array([float(v) for v in args.values.split(",")], dtype=np.float32)
    if row.size != int(np.prod(dims)):
        parser.error(f"{row.size} values; the input row holds {int(np.prod(dims))} ({dims})")
    (output,) = onnx_numpy.run(model, {model.graph.input[0].name: row.reshape(1, *dims)})
    print(json.dumps({"shape": list(output.shape), "values": output.reshape(-1).tolist()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
