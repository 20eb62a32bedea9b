#!/usr/bin/env python3
"""A Python grpcio client of the Open Inference Protocol (KServe v2, package inference) as MimmoServe serves it.

The message classes are generated at run time with grpc_tools.protoc from protos/inference/grpc_predict_v2.proto, the
canonical names and numbers; nothing generated is committed. Run it with /usr/bin/python3 (Debian's python3-grpcio,
python3-grpc-tools, python3-numpy).

  oip_client.py --model fashion-mimmo --fashion-mnist 0 1         # ModelInfer of two test images, raw FP32
  oip_client.py --model mine --values 0.2,0.9,0.4,0.1 --typed      # one item of 4 values in fp32_contents
  oip_client.py --model fashion-mimmo --fashion-mnist 0 --output probabilities --param mimmo_mode=throughput
  oip_client.py --metadata fashion-mimmo                           # ServerLive, ServerReady, ServerMetadata, ModelReady, ModelMetadata

Prints one JSON object: each output tensor's name, datatype, shape and values (from raw_output_contents). Exit code 1
when a call ends with a gRPC error (its code and message are printed).
"""

import argparse
import gzip
import importlib
import json
import os
import subprocess
import sys
import tempfile

import grpc
import numpy as np
from google.protobuf import json_format

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "..", "protos"))
FASHION_MNIST_IMAGES = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
SERVICE = "/inference.GRPCInferenceService/"
DTYPES = {"FP32": np.float32, "INT64": np.int64, "INT32": np.int32}


def load_messages():
    """Compiles grpc_predict_v2.proto into a temporary folder and imports the generated module."""
    out = tempfile.mkdtemp(prefix="mimmo-oip-")
    args = [sys.executable, "-m", "grpc_tools.protoc", "-I" + PROTO_DIR, "--python_out=" + out, "inference/grpc_predict_v2.proto"]
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError("grpc_tools.protoc failed: " + result.stderr.strip())
    open(os.path.join(out, "inference", "__init__.py"), "a").close()
    sys.path.insert(0, out)
    return importlib.import_module("inference.grpc_predict_v2_pb2")


def call(channel, method, request, response_type, metadata, timeout):
    stub = channel.unary_unary(SERVICE + method, request_serializer=lambda m: m.SerializeToString(),
                               response_deserializer=response_type.FromString)
    return stub(request, metadata=metadata, timeout=timeout)


def images(indices):
    with gzip.open(FASHION_MNIST_IMAGES, "rb") as f:
        data = f.read()
    return np.stack([np.frombuffer(data, np.uint8, 784, 16 + i * 784).reshape(1, 28, 28) / np.float32(255) for i in indices]).astype(np.float32)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--address", default=os.environ.get("MIMMO_ADDRESS", "localhost:50051"))
    parser.add_argument("--model", default="")
    parser.add_argument("--input", default="input", help="the model's input name (ModelMetadata says it)")
    parser.add_argument("--fashion-mnist", type=int, nargs="+", metavar="N")
    parser.add_argument("--values", metavar="V,V,...", help="one item's values (a model of item shape [len])")
    parser.add_argument("--typed", action="store_true", help="send the values in contents.fp32_contents, not raw")
    parser.add_argument("--output", action="append", default=[], help="an output to return (repeatable; default all)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="a request parameter (ints as int64)")
    parser.add_argument("--metadata", metavar="MODEL", help="the server's and MODEL's readiness and metadata instead of an inference")
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args(argv)
    pb = load_messages()
    with grpc.insecure_channel(args.address) as channel:
        try:
            if args.metadata is not None:
                answer = {
                    "live": call(channel, "ServerLive", pb.ServerLiveRequest(), pb.ServerLiveResponse, [], args.timeout).live,
                    "ready": call(channel, "ServerReady", pb.ServerReadyRequest(), pb.ServerReadyResponse, [], args.timeout).ready,
                    "server": json_format.MessageToDict(call(channel, "ServerMetadata", pb.ServerMetadataRequest(), pb.ServerMetadataResponse, [], args.timeout)),
                    "model_ready": call(channel, "ModelReady", pb.ModelReadyRequest(name=args.metadata), pb.ModelReadyResponse, [], args.timeout).ready,
                    "model": json_format.MessageToDict(call(channel, "ModelMetadata", pb.ModelMetadataRequest(name=args.metadata), pb.ModelMetadataResponse, [], args.timeout)),
                }
                print(json.dumps(answer))
                return 0
            if args.values is not None:
                x = np.array([[float(v) for v in args.values.split(",")]], dtype=np.float32)
            elif args.fashion_mnist is not None:
                x = images(args.fashion_mnist)
            else:
                parser.error("give --fashion-mnist N..., --values V,V,... or --metadata MODEL")
            tensor = pb.ModelInferRequest.InferInputTensor(name=args.input, datatype="FP32", shape=list(x.shape))
            request = pb.ModelInferRequest(model_name=args.model, id="oip-client", inputs=[tensor],
                                           outputs=[pb.ModelInferRequest.InferRequestedOutputTensor(name=n) for n in args.output])
            if args.typed:
                request.inputs[0].contents.fp32_contents.extend(x.reshape(-1).tolist())
            else:
                request.raw_input_contents.append(x.astype("<f4").tobytes())
            for param in args.param:
                name, _, value = param.partition("=")
                if value.lstrip("-").isdigit():
                    request.parameters[name].int64_param = int(value)
                else:
                    request.parameters[name].string_param = value
            response = call(channel, "ModelInfer", request, pb.ModelInferResponse, [], args.timeout)
        except grpc.RpcError as e:
            print("error: %s: %s" % (e.code().name, e.details()), file=sys.stderr)
            return 1
    outputs = {}
    for tensor, raw in zip(response.outputs, response.raw_output_contents):
        values = np.frombuffer(raw, dtype=np.dtype(DTYPES[tensor.datatype]).newbyteorder("<"))
        outputs[tensor.name] = {"datatype": tensor.datatype, "shape": list(tensor.shape), "values": values.tolist()}
    print(json.dumps({"model_name": response.model_name, "model_version": response.model_version, "id": response.id, "outputs": outputs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
