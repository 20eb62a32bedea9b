#!/usr/bin/env python3
"""A Python grpcio client of MimmoServe's Inference API (mimmo.v1), for people and for tests.

The message classes are generated at run time with grpc_tools.protoc from protos/mimmo/v1/inference.proto;
nothing generated is committed. Needs Debian's python3-grpcio, python3-grpc-tools and python3-numpy, so
run it with /usr/bin/python3.

  predict_client.py --fashion-mnist 0 --mode accuracy        # test image 0 of Fashion-MNIST, all slots
  predict_client.py --fashion-mnist 0 --mode throughput      # one slot
  predict_client.py --list                                   # the models the server serves
  predict_client.py --fashion-mnist 7 --json                 # one JSON object per line, for scripts
  predict_client.py --fashion-mnist 0 1 2 3 --mode accuracy  # four images in one batched call ([4, 1, 28, 28])
  predict_client.py --fashion-mnist 0 --uint8                # the pixels as bytes (raw_uint8), a quarter the size
  predict_client.py --model fashion-jeidnn --fashion-mnist 0 --exit auto   # a staged model's early exit
  predict_client.py --model mine --values 0.2,0.9,0.4,0.1    # one item of a model of your own (here 4 features)
  predict_client.py --model regression-diabetes --values 50,1,25,90,190,110,50,4,4.5,90   # a regression model's answer

Exit code: 0 on success, 1 when the call ends with a gRPC error (its code and message are printed).
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
from google.protobuf import json_format

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
PROTO_DIR = os.path.join(REPO_ROOT, "protos")
FASHION_MNIST_IMAGES = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
SERVICE = "/mimmo.v1.Inference/"
MODE_HEADER = "x-mimmo-mode"
EXIT_HEADER = "x-mimmo-exit"


def load_messages():
    """Compiles inference.proto into a temporary folder and imports the generated module."""
    out = tempfile.mkdtemp(prefix="mimmo-predict-")
    args = [sys.executable, "-m", "grpc_tools.protoc", "-I" + PROTO_DIR, "--python_out=" + out,
            "mimmo/v1/inference.proto"]
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError("grpc_tools.protoc failed: " + result.stderr.strip())
    for folder in ("mimmo", os.path.join("mimmo", "v1")):
        open(os.path.join(out, folder, "__init__.py"), "a").close()
    sys.path.insert(0, out)
    return importlib.import_module("mimmo.v1.inference_pb2")


def fashion_mnist_pixels(index, path=FASHION_MNIST_IMAGES):
    """Test image `index` as its 784 bytes (row-major 28 x 28, 0-255)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    count = int.from_bytes(data[4:8], "big")
    if not 0 <= index < count:
        raise ValueError("--fashion-mnist must be in [0, %d), got %d" % (count, index))
    start = 16 + index * 784
    return data[start:start + 784]


def fashion_mnist_image(index, path=FASHION_MNIST_IMAGES):
    """Test image `index` as 784 floats in [0, 1] (row-major 28 x 28)."""
    return [b / 255.0 for b in fashion_mnist_pixels(index, path)]


def call(channel, method, request, response_type, metadata, timeout):
    stub = channel.unary_unary(SERVICE + method, request_serializer=lambda m: m.SerializeToString(),
                               response_deserializer=response_type.FromString)
    return stub(request, metadata=metadata, timeout=timeout)


def print_prediction(response):
    print("model        %s" % response.model)
    print_result(response)


def print_items(response, indices):
    """A batched response: one block per item, in the order of the items."""
    print("model        %s, %d items in one call" % (response.model, len(response.items)))
    for index, item in zip(indices, response.items):
        print()
        print("item         fashion-mnist-%d" % index)
        print_result(item)


def print_result(response):
    """The prediction fields, which a PredictResponse of one item and an ItemResult share; a regression model's answer
    (its `regression` message set) one line per target."""
    if response.HasField("regression"):
        r = response.regression
        print("ensemble     k = %d slots, %d members averaged" % (response.ensemble_size, response.members))
        for t in r.targets:
            print("target       %s: mean %.4f, %.0f%% interval [%.4f, %.4f]" % (t.name, t.mean, 100 * r.interval_level, t.lower, t.upper))
            print("             variance %.4f = epistemic %.4f + aleatoric %.4f"
                  % (t.variance, t.epistemic_variance, t.aleatoric_variance))
        return
    u = response.uncertainty
    print("prediction   %s (class %d), confidence %.4f" % (response.label, response.class_index, response.confidence))
    print("ensemble     k = %d slots, %d members averaged" % (response.ensemble_size, response.members))
    print("top          " + ", ".join("%s %.4f" % (t.label, t.probability) for t in response.top))
    print("uncertainty  predictive entropy %.4f, expected entropy %.4f, mutual information %.4f,"
          % (u.predictive_entropy, u.expected_entropy, u.mutual_information))
    print("             variance %.6f, agreement %.3f" % (u.variance, u.agreement))
    t = response.timing
    print("timing       queue %d us, compute %d us, %d rows, %d requests in the run"
          % (t.queue_us, t.compute_us, t.batch_rows, t.batch_requests))
    print("exit         %d, compute share %.4f" % (response.exit, response.compute_share))
    if response.prediction_set:
        print("conformal    classes {%s}" % ", ".join(str(c) for c in response.prediction_set))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--address", default=os.environ.get("MIMMO_ADDRESS", "localhost:50051"))
    parser.add_argument("--model", default="", help="model name; empty: the server's default model")
    parser.add_argument("--mode", default="", help="accuracy, throughput, balanced or a number k (the x-mimmo-mode header)")
    parser.add_argument("--ensemble-size", type=int, default=0, help="k in the request itself (wins over --mode)")
    parser.add_argument("--exit", default="", help="auto, full or a threshold in (0, 1] (the x-mimmo-exit header)")
    parser.add_argument("--fashion-mnist", type=int, nargs="+", metavar="N",
                        help="predict Fashion-MNIST test image N; several go in one batched call")
    parser.add_argument("--values", metavar="V,V,...",
                        help="predict one item of these comma-separated values (a model's own item, e.g. 4 features)")
    parser.add_argument("--uint8", action="store_true",
                        help="send the Fashion-MNIST pixels as bytes (raw_uint8), for a model with an input scale")
    parser.add_argument("--top-k", type=int, default=3)
    parser.add_argument("--members", action="store_true", help="also return every member's prediction")
    parser.add_argument("--list", action="store_true", help="list the served models")
    parser.add_argument("--json", action="store_true", help="print the response as one JSON line")
    parser.add_argument("--timeout", type=float, default=10.0, help="deadline in seconds")
    args = parser.parse_args(argv)

    pb = load_messages()
    metadata = [(MODE_HEADER, args.mode)] if args.mode else []
    if args.exit:
        metadata.append((EXIT_HEADER, args.exit))
    with grpc.insecure_channel(args.address) as channel:
        try:
            if args.list:
                response = call(channel, "ListModels", pb.ListModelsRequest(), pb.ListModelsResponse,
                                metadata, args.timeout)
                if args.json:
                    print(json.dumps(json_format.MessageToDict(response)))
                else:
                    for m in response.models:
                        outputs = "K=%d" % m.num_classes if m.output != "regression" else "T=%d (%s)" % (m.num_targets, m.regression)
                        print("%-18s %-8s M=%d E=%d %s sizes=%s default=%d on %s" % (
                            m.name, m.family, m.slots, m.exits, outputs, list(m.ensemble_sizes),
                            m.default_ensemble_size, m.execution_provider))
                return 0
            if args.values is not None:
                try:
                    values = [float(v) for v in args.values.split(",")]
                except ValueError:
                    parser.error("--values takes comma-separated numbers")
                batched = False
                request = pb.PredictRequest(model=args.model, shape=[len(values)], data=values, id="values",
                                            ensemble_size=args.ensemble_size, top_k=args.top_k,
                                            return_members=args.members)
            elif args.fashion_mnist is None:
                parser.error("give --fashion-mnist N, --values V,V,... or --list")
            else:
                try:
                    pixels = [fashion_mnist_pixels(i) for i in args.fashion_mnist]
                except ValueError as e:
                    parser.error(str(e))
                batched = len(pixels) > 1
                # One image: shape [1, 28, 28], the answer in the response's own fields. Several: a leading batch
                # dimension [N, 1, 28, 28], the items one after the other, and N answers in `items`, in order.
                shape = ([len(pixels)] if batched else []) + [1, 28, 28]
                request = pb.PredictRequest(model=args.model, shape=shape,
                                            id="fashion-mnist-%s" % "-".join(str(i) for i in args.fashion_mnist),
                                            ensemble_size=args.ensemble_size, top_k=args.top_k,
                                            return_members=args.members)
                if args.uint8:
                    # One byte per pixel; the server scales each by the model's input_scale (1/255 for the bundled ones).
                    request.raw_uint8 = b"".join(pixels)
                else:
                    request.data.extend(b / 255.0 for image in pixels for b in image)
            response = call(channel, "Predict", request, pb.PredictResponse, metadata, args.timeout)
        except grpc.RpcError as e:
            print("error: %s: %s" % (e.code().name, e.details()), file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps(json_format.MessageToDict(response, including_default_value_fields=True)))
    elif batched:
        print_items(response, args.fashion_mnist)
    else:
        print_prediction(response)
    return 0


if __name__ == "__main__":
    sys.exit(main())
