"""Message classes for the interop protos, built at run time from the repository's .proto files.

grpc_tools.protoc compiles the files into a descriptor set in a temporary directory; the classes are
then made from a private descriptor pool. Nothing generated is committed, and generated Python
modules are never imported: their package path would begin with `grpc.`, which is grpcio's own
package, so `import grpc.health.v1...` cannot work next to grpcio.

Used by interop_client.py, echo_server.py and bench_client.py.
"""

import os
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2, descriptor_pool

try:  # protobuf >= 4.22
    from google.protobuf.message_factory import GetMessageClass as _get_message_class
except ImportError:  # protobuf 4.21 (Debian 12)
    from google.protobuf import message_factory as _mf

    _factory = None

    def _get_message_class(descriptor):
        global _factory
        if _factory is None:
            _factory = _mf.MessageFactory(descriptor.file.pool)
        return _factory.GetPrototype(descriptor)


HERE = os.path.dirname(os.path.abspath(__file__))
# tests/interop/python -> the repository root.
REPO_ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
INCLUDE_DIRS = [
    os.path.join(REPO_ROOT, "protos"),
    os.path.join(REPO_ROOT, "tests", "interop", "protos"),
]
ECHO_PROTO = "mimmo/interop/v1/echo.proto"
HEALTH_PROTO = "grpc/health/v1/health.proto"
REFLECTION_V1_PROTO = "grpc/reflection/v1/reflection.proto"
REFLECTION_V1ALPHA_PROTO = "grpc/reflection/v1alpha/reflection.proto"
ALL_PROTOS = [ECHO_PROTO, HEALTH_PROTO, REFLECTION_V1_PROTO, REFLECTION_V1ALPHA_PROTO]

ECHO_SERVICE = "mimmo.interop.v1.Echo"
HEALTH_SERVICE = "grpc.health.v1.Health"


def _compile_descriptor_set():
    """Runs grpc_tools.protoc in this interpreter and returns the parsed FileDescriptorSet."""
    with tempfile.TemporaryDirectory(prefix="mimmo-interop-") as tmp:
        out = os.path.join(tmp, "interop.pb")
        args = [sys.executable, "-m", "grpc_tools.protoc", "--include_imports", "--descriptor_set_out=" + out]
        args += ["-I" + d for d in INCLUDE_DIRS] + ALL_PROTOS
        result = subprocess.run(args, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError("grpc_tools.protoc failed: " + result.stderr.strip())
        with open(out, "rb") as f:
            return descriptor_pb2.FileDescriptorSet.FromString(f.read())


class Protos:
    """The message classes of the interop protos, by their full proto name."""

    def __init__(self):
        self.descriptor_set = _compile_descriptor_set()
        self.pool = descriptor_pool.DescriptorPool()
        for file_proto in self.descriptor_set.file:
            self.pool.Add(file_proto)
        self._classes = {}

    def message(self, full_name):
        cls = self._classes.get(full_name)
        if cls is None:
            cls = _get_message_class(self.pool.FindMessageTypeByName(full_name))
            self._classes[full_name] = cls
        return cls

    # Shorthands for the messages the clients and the server use most.
    def __getattr__(self, name):
        table = {
            "EchoRequest": "mimmo.interop.v1.EchoRequest",
            "EchoReply": "mimmo.interop.v1.EchoReply",
            "StatsRequest": "mimmo.interop.v1.StatsRequest",
            "StatsReply": "mimmo.interop.v1.StatsReply",
            "SetHealthRequest": "mimmo.interop.v1.SetHealthRequest",
            "SetHealthReply": "mimmo.interop.v1.SetHealthReply",
            "HealthCheckRequest": "grpc.health.v1.HealthCheckRequest",
            "HealthCheckResponse": "grpc.health.v1.HealthCheckResponse",
        }
        if name in table:
            return self.message(table[name])
        raise AttributeError(name)


def serializer(cls):
    return cls.SerializeToString


def deserializer(cls):
    return cls.FromString
