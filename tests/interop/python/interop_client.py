#!/usr/bin/python3
"""Interop client in Python grpcio: one named case against a server of mimmo.interop.v1.Echo.

    /usr/bin/python3 interop_client.py --list
    /usr/bin/python3 interop_client.py --target 127.0.0.1:PORT --case NAME
        [--tls-ca PEM --tls-server-name localhost]

Prints `PASS NAME` and exits 0, or `FAIL NAME: reason` and exits 1 (2 for a usage error). Every
call carries a deadline (CALL_TIMEOUT_S unless the case needs a shorter one) and a watchdog ends
the process after CASE_TIMEOUT_S. The same contract and cases as ../node/interop_client.js.
"""

import argparse
import gzip
import os
import queue
import sys
import threading
import time
import uuid

import grpc
from google.protobuf import descriptor_pb2

from interop_protos import ECHO_SERVICE, HEALTH_SERVICE, Protos, deserializer, serializer

CALL_TIMEOUT_S = 10.0
CASE_TIMEOUT_S = 28.0
ECHO_METHODS = {"Unary", "ServerStream", "ClientStream", "Bidi", "GetStats", "SetHealth"}
UNICODE_MESSAGE = "modèle «introuvable» — 模型 ✓"
# grpc.health.v1.HealthCheckResponse.ServingStatus
SERVING, NOT_SERVING, SERVICE_UNKNOWN = 1, 2, 3
MIB = 1024 * 1024


class Failure(Exception):
    pass


def expect(condition, what, expected, actual):
    if not condition:
        raise Failure("%s: expected %r, got %r" % (what, expected, actual))


def expect_equal(what, expected, actual):
    expect(expected == actual, what, expected, actual)


def expect_status(what, code, call):
    """Runs call(), which must fail with `code`; returns the grpc.RpcError."""
    try:
        result = call()
    except grpc.RpcError as error:
        expect(error.code() == code, what + " status", code.name,
               "%s %r" % (error.code().name if error.code() else None, error.details()))
        return error
    raise Failure("%s: expected status %s, got a reply %r" % (what, code.name, result))


def reply_pattern(size):
    return bytes(i % 251 for i in range(size))


def _gunzip_recording(cls, seen):
    """Deserializer for a channel with per-message decompression off: records whether each message
    arrived gzip-compressed (no message of ours can begin with the gzip magic 1f 8b)."""
    def decode(data):
        compressed = data[:2] == b"\x1f\x8b"
        seen.append(compressed)
        return cls.FromString(gzip.decompress(data) if compressed else data)
    return decode


class Client:
    def __init__(self, args):
        self.args = args
        self.p = Protos()
        self._channels = []
        self.channel = self.new_channel()
        self.bind(self.channel)

    def new_channel(self, extra_options=()):
        # No client-side send limit, so that oversize_request fails at the server's limit.
        options = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
        options += list(extra_options)
        if self.args.tls_ca:
            with open(self.args.tls_ca, "rb") as f:
                credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
            options.append(("grpc.ssl_target_name_override", self.args.tls_server_name))
            channel = grpc.secure_channel(self.args.target, credentials, options=options)
        else:
            channel = grpc.insecure_channel(self.args.target, options=options)
        self._channels.append(channel)
        return channel

    def close(self):
        for channel in self._channels:
            channel.close()

    def bind(self, channel, reply_deserializer=None):
        p = self.p
        req, rep = serializer(p.EchoRequest), reply_deserializer or deserializer(p.EchoReply)
        echo = "/" + ECHO_SERVICE + "/"
        self.unary = channel.unary_unary(echo + "Unary", req, rep)
        self.server_stream = channel.unary_stream(echo + "ServerStream", req, rep)
        self.client_stream = channel.stream_unary(echo + "ClientStream", req, rep)
        self.bidi = channel.stream_stream(echo + "Bidi", req, rep)
        self.get_stats = channel.unary_unary(
            echo + "GetStats", serializer(p.StatsRequest), deserializer(p.StatsReply))
        self.set_health = channel.unary_unary(
            echo + "SetHealth", serializer(p.SetHealthRequest), deserializer(p.SetHealthReply))
        health = "/" + HEALTH_SERVICE + "/"
        self.health_check = channel.unary_unary(
            health + "Check", serializer(p.HealthCheckRequest), deserializer(p.HealthCheckResponse))
        self.health_watch = channel.unary_stream(
            health + "Watch", serializer(p.HealthCheckRequest), deserializer(p.HealthCheckResponse))

    def cancelled_calls(self):
        return self.get_stats(self.p.StatsRequest(), timeout=CALL_TIMEOUT_S).cancelled_calls

    def wait_cancelled_above(self, before, within_s=3.0):
        """Polls GetStats until cancelled_calls > before; the server may count after it answered."""
        end = time.monotonic() + within_s
        while True:
            now = self.cancelled_calls()
            if now > before or time.monotonic() > end:
                expect(now > before, "GetStats cancelled_calls", "> %d" % before, now)
                return
            time.sleep(0.05)


class Pump:
    """A request iterator fed from the test thread, for ping-pong streaming calls."""

    _END = object()

    def __init__(self):
        self._queue = queue.Queue()

    def send(self, message):
        self._queue.put(message)

    def close(self):
        self._queue.put(self._END)

    def __iter__(self):
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            yield item


# --- cases -----------------------------------------------------------------------------------------

def case_unary(c):
    payload = bytes(range(256)) * 16
    reply = c.unary(c.p.EchoRequest(message="hello from grpcio", payload=payload), timeout=CALL_TIMEOUT_S)
    expect_equal("message", "hello from grpcio", reply.message)
    expect_equal("payload", payload, reply.payload)
    expect_equal("request_encoding", "", reply.request_encoding)


def case_empty_message(c):
    sizes = []

    def raw(data):
        sizes.append(len(data))
        return c.p.EchoReply.FromString(data)

    request = c.p.EchoRequest()
    expect_equal("serialized request length", 0, len(request.SerializeToString()))
    call = c.channel.unary_unary("/" + ECHO_SERVICE + "/Unary", serializer(c.p.EchoRequest), raw)
    reply = call(request, timeout=CALL_TIMEOUT_S)
    expect_equal("reply message length on the wire", [0], sizes)
    expect_equal("reply", c.p.EchoReply(), reply)


def case_metadata(c):
    ascii_value = "interop ascii value 42"
    binary_value = bytes([0, 1, 2, 0x7F, 0x80, 0xFE, 0xFF]) + "µ".encode()
    metadata = [("x-echo-ascii", ascii_value), ("x-echo-blob-bin", binary_value)]
    _, call = c.unary.with_call(c.p.EchoRequest(message="metadata"), metadata=metadata, timeout=CALL_TIMEOUT_S)
    headers = dict(call.initial_metadata())
    trailers = dict(call.trailing_metadata())
    expect_equal("header x-echo-ascii", ascii_value, headers.get("x-echo-ascii"))
    expect_equal("header x-echo-blob-bin", binary_value, headers.get("x-echo-blob-bin"))
    expect_equal("trailer x-trailer-ascii", ascii_value, trailers.get("x-trailer-ascii"))
    expect_equal("trailer x-trailer-blob-bin", binary_value, trailers.get("x-trailer-blob-bin"))


def case_server_stream(c):
    replies = list(c.server_stream(c.p.EchoRequest(message="stream", count=100), timeout=CALL_TIMEOUT_S))
    expect_equal("reply count", 100, len(replies))
    expect_equal("indices", list(range(100)), [r.index for r in replies])
    expect(all(r.message == "stream" for r in replies), "messages", "all 'stream'", [r.message for r in replies][:3])


def case_client_stream(c):
    requests = (c.p.EchoRequest(message="m%d" % i) for i in range(50))
    reply = c.client_stream(requests, timeout=CALL_TIMEOUT_S)
    expect_equal("received", 50, reply.received)
    expect_equal("message (the last one)", "m49", reply.message)


def case_bidi_1000(c):
    pump = Pump()
    replies = c.bidi(iter(pump), timeout=CALL_TIMEOUT_S)
    try:
        for i in range(1000):
            pump.send(c.p.EchoRequest(message="ping %d" % i))
            reply = next(replies)
            expect_equal("reply %d index" % i, i, reply.index)
            expect_equal("reply %d message" % i, "ping %d" % i, reply.message)
        pump.close()
        rest = list(replies)
        expect_equal("replies after half-close", [], rest)
        expect_equal("status", grpc.StatusCode.OK, replies.code())
    finally:
        pump.close()
        replies.cancel()


def case_deadline(c):
    before = c.cancelled_calls()
    start = time.monotonic()
    expect_status("Unary delay_ms=5000 with a 300 ms deadline", grpc.StatusCode.DEADLINE_EXCEEDED,
                  lambda: c.unary(c.p.EchoRequest(message="slow", delay_ms=5000), timeout=0.3))
    elapsed = time.monotonic() - start
    expect(elapsed < 2.0, "time to DEADLINE_EXCEEDED", "< 2 s", "%.2f s" % elapsed)
    c.wait_cancelled_above(before)


def case_cancel(c):
    before = c.cancelled_calls()
    start = time.monotonic()
    future = c.unary.future(c.p.EchoRequest(message="slow", delay_ms=5000), timeout=CALL_TIMEOUT_S)
    time.sleep(0.2)
    future.cancel()
    try:
        future.result(timeout=CALL_TIMEOUT_S)
        raise Failure("expected status CANCELLED, got a reply")
    except grpc.FutureCancelledError:
        pass
    except grpc.RpcError as error:
        expect_equal("status", grpc.StatusCode.CANCELLED, error.code())
    expect_equal("status", grpc.StatusCode.CANCELLED, future.code())
    elapsed = time.monotonic() - start
    expect(elapsed < 2.0, "time to CANCELLED", "< 2 s", "%.2f s" % elapsed)
    c.wait_cancelled_above(before)


def case_error_unicode(c):
    error = expect_status("Unary fail_code=5", grpc.StatusCode.NOT_FOUND, lambda: c.unary(
        c.p.EchoRequest(fail_code=5, fail_message=UNICODE_MESSAGE), timeout=CALL_TIMEOUT_S))
    expect_equal("status message", UNICODE_MESSAGE, error.details())


def case_unknown_method(c):
    for path in ("/" + ECHO_SERVICE + "/NoSuchMethod", "/no.such.Service/Call"):
        call = c.channel.unary_unary(path)  # no serializers: raw bytes
        expect_status(path, grpc.StatusCode.UNIMPLEMENTED, lambda: call(b"", timeout=CALL_TIMEOUT_S))


def case_health_check(c):
    for service in ("", ECHO_SERVICE):
        reply = c.health_check(c.p.HealthCheckRequest(service=service), timeout=CALL_TIMEOUT_S)
        expect_equal("Check(%r) status" % service, SERVING, reply.status)
    expect_status("Check('no.such.Service')", grpc.StatusCode.NOT_FOUND, lambda: c.health_check(
        c.p.HealthCheckRequest(service="no.such.Service"), timeout=CALL_TIMEOUT_S))


def case_health_watch(c):
    name = "interop.watch.py%s" % uuid.uuid4().hex
    updates = c.health_watch(c.p.HealthCheckRequest(service=name), timeout=CALL_TIMEOUT_S)
    try:
        last = next(updates).status
        expect_equal("first Watch status", SERVICE_UNKNOWN, last)
        for status in (SERVING, NOT_SERVING):
            c.set_health(c.p.SetHealthRequest(service=name, status=status), timeout=CALL_TIMEOUT_S)
            current = next(updates).status
            while current == last:  # a repeat of the previous status is allowed, not a skip
                current = next(updates).status
            expect_equal("Watch status after SetHealth(%d)" % status, status, current)
            last = current
    finally:
        updates.cancel()


def case_oversize_request(c):
    expect_status("Unary with a 5 MiB payload", grpc.StatusCode.RESOURCE_EXHAUSTED, lambda: c.unary(
        c.p.EchoRequest(message="big", payload=b"\x5a" * (5 * MIB)), timeout=CALL_TIMEOUT_S))


def case_gzip_request(c):
    payload = b"MimmoServe gzip request, compressible. " * 1000
    reply = c.unary(c.p.EchoRequest(message="gzip", payload=payload), timeout=CALL_TIMEOUT_S,
                    compression=grpc.Compression.Gzip)
    expect_equal("request_encoding", "gzip", reply.request_encoding)
    expect_equal("payload round trip", True, reply.payload == payload)


def case_gzip_response(c):
    # grpcio hides grpc-encoding, so this channel turns grpc core's decompression off and looks at
    # the reply bytes as they came: they must be gzip (the channel still advertises gzip).
    seen = []
    channel = c.new_channel([("grpc.per_message_decompression", 0)])
    call = channel.unary_unary("/" + ECHO_SERVICE + "/Unary", serializer(c.p.EchoRequest),
                               _gunzip_recording(c.p.EchoReply, seen))
    reply = call(c.p.EchoRequest(message="gzip reply", reply_size=100000), timeout=CALL_TIMEOUT_S)
    expect_equal("reply message", "gzip reply", reply.message)
    expect_equal("reply payload intact", True, reply.payload == reply_pattern(100000))
    expect_equal("reply compressed with gzip", [True], seen)


def _reflection_case(version):
    def run(c):
        package = "grpc.reflection." + version
        service = package + ".ServerReflection"
        request_cls = c.p.message(package + ".ServerReflectionRequest")
        response_cls = c.p.message(package + ".ServerReflectionResponse")
        pump = Pump()
        call = c.channel.stream_stream("/" + service + "/ServerReflectionInfo", serializer(request_cls),
                                       deserializer(response_cls))
        responses = call(iter(pump), timeout=CALL_TIMEOUT_S)

        def ask(**question):
            pump.send(request_cls(**question))
            return next(responses)

        try:
            answer = ask(list_services="")
            expect_equal("list_services answer", "list_services_response", answer.WhichOneof("message_response"))
            names = {s.name for s in answer.list_services_response.service}
            for wanted in (ECHO_SERVICE, HEALTH_SERVICE, service):
                expect(wanted in names, "list_services", "contains " + wanted, sorted(names))

            answer = ask(file_containing_symbol=ECHO_SERVICE)
            expect_equal("file_containing_symbol answer", "file_descriptor_response",
                         answer.WhichOneof("message_response"))
            files = [descriptor_pb2.FileDescriptorProto.FromString(b)
                     for b in answer.file_descriptor_response.file_descriptor_proto]
            echo_file = None
            for f in files:
                for s in f.service:
                    if f.package == "mimmo.interop.v1" and s.name == "Echo":
                        echo_file = f
                        methods = {m.name for m in s.method}
                        expect_equal("Echo methods", sorted(ECHO_METHODS), sorted(methods))
            expect(echo_file is not None, "file_containing_symbol", "a file with service Echo",
                   [f.name for f in files])

            answer = ask(file_by_filename=echo_file.name)
            expect_equal("file_by_filename answer", "file_descriptor_response", answer.WhichOneof("message_response"))
            names = [descriptor_pb2.FileDescriptorProto.FromString(b).name
                     for b in answer.file_descriptor_response.file_descriptor_proto]
            expect(echo_file.name in names, "file_by_filename", "contains " + echo_file.name, names)

            answer = ask(file_containing_symbol="no.such.Symbol")
            expect_equal("unknown symbol answer", "error_response", answer.WhichOneof("message_response"))
            expect_equal("unknown symbol error_code", grpc.StatusCode.NOT_FOUND.value[0],
                         answer.error_response.error_code)

            pump.close()
            expect_equal("answers after half-close", [], list(responses))
            expect_equal("status", grpc.StatusCode.OK, responses.code())
        finally:
            pump.close()
            responses.cancel()
    return run


def case_tls_unary(c):
    if not c.args.tls_ca:
        raise Failure("needs --tls-ca PEM (and --tls-server-name): expected a TLS target, got none")
    reply = c.unary(c.p.EchoRequest(message="over tls", payload=b"\x01\x02"), timeout=CALL_TIMEOUT_S)
    expect_equal("message", "over tls", reply.message)
    expect_equal("payload", b"\x01\x02", reply.payload)


CASES = {
    "unary": case_unary,
    "empty_message": case_empty_message,
    "metadata": case_metadata,
    "server_stream": case_server_stream,
    "client_stream": case_client_stream,
    "bidi_1000": case_bidi_1000,
    "deadline": case_deadline,
    "cancel": case_cancel,
    "error_unicode": case_error_unicode,
    "unknown_method": case_unknown_method,
    "health_check": case_health_check,
    "health_watch": case_health_watch,
    "oversize_request": case_oversize_request,
    "gzip_request": case_gzip_request,
    "gzip_response": case_gzip_response,
    "reflection_v1": _reflection_case("v1"),
    "reflection_v1alpha": _reflection_case("v1alpha"),
    "tls_unary": case_tls_unary,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", help="HOST:PORT")
    parser.add_argument("--case", choices=list(CASES), metavar="NAME")
    parser.add_argument("--tls-ca", help="PEM file of the CA that signed the server's certificate")
    parser.add_argument("--tls-server-name", default="localhost", help="name to check the certificate against")
    parser.add_argument("--list", action="store_true", help="print the case names, one per line")
    args = parser.parse_args()
    if args.list:
        print("\n".join(CASES))
        return 0
    if not args.target or not args.case:
        parser.error("--target and --case are required (or --list)")

    def watchdog():
        print("FAIL %s: expected to finish within %.0f s, still running" % (args.case, CASE_TIMEOUT_S), flush=True)
        os._exit(1)

    timer = threading.Timer(CASE_TIMEOUT_S, watchdog)
    timer.daemon = True
    timer.start()
    client = None
    try:
        client = Client(args)
        CASES[args.case](client)
    except Failure as failure:
        print("FAIL %s: %s" % (args.case, failure), flush=True)
        return 1
    except grpc.RpcError as error:
        print("FAIL %s: unexpected status %s %r" % (args.case, error.code().name if error.code() else None,
                                                     error.details()), flush=True)
        return 1
    except Exception as error:  # a broken case must still report, not crash without a verdict
        print("FAIL %s: %s: %s" % (args.case, type(error).__name__, error), flush=True)
        return 1
    finally:
        timer.cancel()
        if client is not None:
            client.close()
    print("PASS %s" % args.case, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
