#!/usr/bin/env python3
"""One call to MimmoServe's Inference or Health service with the given TLS and token settings; prints its status.

Used by the security tests (tests/MimmoServe.Server.Tests/Security) to check what a foreign grpcio client sees:

  secure_client.py --target 127.0.0.1:PORT --call predict --model mimo --data 1,2,3,4 [--token T]
                   [--tls-ca PEM [--tls-server-name localhost] [--tls-cert PEM --tls-key PEM]] [--pad-header BYTES]
  --call: predict | get_model | list | health (Check of --service, default "")

Prints one line, `STATUS <CODE> <detail>` (CODE is the gRPC status name; on OK the detail is the answering model,
the model names or the health status), and exits 0 whenever the call ended with a status; 2 for a usage error.
Needs Debian's python3-grpcio and python3-grpc-tools: run it with /usr/bin/python3.
"""

import argparse
import importlib
import os
import subprocess
import sys
import tempfile

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "..", "protos"))
PROTOS = ["mimmo/v1/inference.proto", "grpc/health/v1/health.proto"]
TIMEOUT_S = 10


def load_modules():
    """Compiles the two .proto files into a temporary folder and imports the generated modules."""
    out = tempfile.mkdtemp(prefix="mimmo-secure-")
    result = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I" + PROTO_DIR, "--python_out=" + out] + PROTOS,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError("grpc_tools.protoc failed: " + result.stderr.strip())
    # Our own package name would clash with grpcio's `grpc`: load the health module under another root.
    os.rename(os.path.join(out, "grpc"), os.path.join(out, "grpc_health_protos"))
    for folder in ("mimmo", "mimmo/v1", "grpc_health_protos", "grpc_health_protos/health", "grpc_health_protos/health/v1"):
        open(os.path.join(out, folder, "__init__.py"), "a").close()
    sys.path.insert(0, out)
    return (importlib.import_module("mimmo.v1.inference_pb2"),
            importlib.import_module("grpc_health_protos.health.v1.health_pb2"))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def open_channel(args):
    if not args.tls_ca:
        return grpc.insecure_channel(args.target)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(args.tls_ca),
        private_key=read(args.tls_key) if args.tls_key else None,
        certificate_chain=read(args.tls_cert) if args.tls_cert else None)
    return grpc.secure_channel(args.target, credentials, options=[("grpc.ssl_target_name_override", args.tls_server_name)])


def unary(channel, path, request, response_type, metadata):
    stub = channel.unary_unary(path, request_serializer=lambda m: m.SerializeToString(),
                               response_deserializer=response_type.FromString)
    return stub(request, metadata=metadata, timeout=TIMEOUT_S)


def run(args, inference, health):
    metadata = [("authorization", "Bearer " + args.token)] if args.token else []
    if args.pad_header:
        metadata.append(("x-pad", "a" * args.pad_header))
    with open_channel(args) as channel:
        if args.call == "predict":
            data = [float(v) for v in args.data.split(",")] if args.data else []
            request = inference.PredictRequest(model=args.model, shape=[len(data)], data=data, id="secure")
            return unary(channel, "/mimmo.v1.Inference/Predict", request, inference.PredictResponse, metadata).model
        if args.call == "get_model":
            request = inference.GetModelRequest(model=args.model)
            return unary(channel, "/mimmo.v1.Inference/GetModel", request, inference.ModelInfo, metadata).name
        if args.call == "list":
            reply = unary(channel, "/mimmo.v1.Inference/ListModels", inference.ListModelsRequest(),
                          inference.ListModelsResponse, metadata)
            return ",".join(m.name for m in reply.models)
        reply = unary(channel, "/grpc.health.v1.Health/Check", health.HealthCheckRequest(service=args.service),
                      health.HealthCheckResponse, metadata)
        return health.HealthCheckResponse.ServingStatus.Name(reply.status)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--target", required=True, help="HOST:PORT")
    parser.add_argument("--call", required=True, choices=["predict", "get_model", "list", "health"])
    parser.add_argument("--model", default="")
    parser.add_argument("--data", default="", help="comma-separated floats: one item of shape [n]")
    parser.add_argument("--service", default="", help="health service name")
    parser.add_argument("--token", help="bearer token")
    parser.add_argument("--pad-header", type=int, default=0, help="also send header x-pad with this many bytes")
    parser.add_argument("--tls-ca", help="PEM of the CA that signed the server's certificate: TLS")
    parser.add_argument("--tls-server-name", default="localhost")
    parser.add_argument("--tls-cert", help="PEM client certificate (mTLS)")
    parser.add_argument("--tls-key", help="PEM key of --tls-cert")
    args = parser.parse_args(argv)
    inference, health = load_modules()
    try:
        detail = run(args, inference, health)
        print("STATUS OK %s" % detail)
    except grpc.RpcError as e:
        print("STATUS %s %s" % (e.code().name, (e.details() or "").replace("\n", " ")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
