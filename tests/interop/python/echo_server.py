#!/usr/bin/python3
"""Reference server for the interop service, in Python grpcio.

Hosts mimmo.interop.v1.Echo (every method and rule of echo.proto), grpc.health.v1.Health (Check
and Watch) and grpc.reflection v1 and v1alpha (our own small implementation: grpcio-reflection is
not installed here). It is what the interop clients are validated against, and the reference
server of the transport benchmark (bench_client.py calls Health/Check), so Check does as little as
grpcio allows.

    /usr/bin/python3 echo_server.py --port 0          # prints "LISTENING <port>" once serving
    /usr/bin/python3 echo_server.py --port 50051 --workers 8
    /usr/bin/python3 echo_server.py --port 0 --tls-cert server.pem --tls-key server.key

Threading: grpcio's synchronous server runs each call on a worker of a thread pool. Delays and
health watches block their worker, so --workers must exceed the number of such calls in flight
(the interop clients have at most two). Counters and health statuses live under one lock each.
"""

import argparse
import gzip
import signal
import sys
import threading
from concurrent import futures

import grpc

from interop_protos import ECHO_SERVICE, HEALTH_SERVICE, Protos, serializer

MAX_RECEIVE_MESSAGE_BYTES = 4 * 1024 * 1024
# Replies whose payload is at least this big are sent gzip-compressed (grpc core compresses only
# when the client's grpc-accept-encoding lists gzip, which grpcio and grpc-js clients always do).
COMPRESS_REPLY_AT_BYTES = 1024
ECHO_PREFIX = "x-echo-"
TRAILER_PREFIX = "x-trailer-"
REFLECTION_SERVICES = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]

# grpc.health.v1.HealthCheckResponse.ServingStatus
UNKNOWN, SERVING, NOT_SERVING, SERVICE_UNKNOWN = 0, 1, 2, 3

# How often a health watch re-checks that its call is still alive while nothing changes; a
# cancellation also wakes it at once through the call's termination callback.
WATCH_POLL_SECONDS = 1.0


class Stats:
    """What the server saw, for GetStats."""

    def __init__(self):
        self._lock = threading.Lock()
        self.cancelled = 0
        self.completed = 0

    def record(self, cancelled):
        with self._lock:
            if cancelled:
                self.cancelled += 1
            else:
                self.completed += 1

    def snapshot(self):
        with self._lock:
            return self.cancelled, self.completed


class HealthStatuses:
    """Serving status per service name; watchers wait on the condition for a change."""

    def __init__(self, initial):
        self.condition = threading.Condition()
        self._statuses = dict(initial)
        self.version = 0

    def get(self, service):
        # A dict read is atomic under the GIL; Check takes no lock.
        return self._statuses.get(service)

    def set(self, service, status):
        with self.condition:
            self._statuses[service] = status
            self.version += 1
            self.condition.notify_all()

    def wake_all(self):
        with self.condition:
            self.condition.notify_all()


class HealthService:
    def __init__(self, protos, statuses):
        self._statuses = statuses
        response = protos.HealthCheckResponse
        # Replies are built once and shared: grpcio only serializes them.
        self._responses = {s: response(status=s) for s in (UNKNOWN, SERVING, NOT_SERVING, SERVICE_UNKNOWN)}

    def check(self, request, context):
        status = self._statuses.get(request.service)
        if status is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown service " + request.service)
        return self._responses[status]

    def watch(self, request, context):
        statuses = self._statuses
        # The termination callback wakes this watcher when the client cancels or the deadline passes.
        context.add_callback(statuses.wake_all)
        last = None
        seen_version = -1
        while context.is_active():
            with statuses.condition:
                if statuses.version == seen_version:
                    statuses.condition.wait(WATCH_POLL_SECONDS)
                seen_version = statuses.version
                current = statuses.get(request.service)
            if current is None:
                current = SERVICE_UNKNOWN
            if current != last and context.is_active():
                last = current
                yield self._responses[current]

    def handler(self, protos):
        req, resp = protos.HealthCheckRequest, protos.HealthCheckResponse
        return grpc.method_handlers_generic_handler(HEALTH_SERVICE, {
            "Check": grpc.unary_unary_rpc_method_handler(self.check, _gunzipping(req), serializer(resp)),
            "Watch": grpc.unary_stream_rpc_method_handler(self.watch, _gunzipping(req), serializer(resp)),
        })


class ReflectionService:
    """grpc.reflection.v1 and v1alpha ServerReflection, answered from the descriptor set that
    interop_protos compiles (grpcio-reflection is not installed here). Lets the reflection_* cases
    of the interop clients be checked against this server too."""

    def __init__(self, protos, service_names):
        self._p = protos
        self._files = {f.name: f for f in protos.descriptor_set.file}
        self._service_names = sorted(service_names)

    def _with_dependencies(self, name):
        """The file and its transitive imports, the file first."""
        ordered, pending = [], [name]
        while pending:
            current = pending.pop(0)
            if current in ordered:
                continue
            ordered.append(current)
            pending.extend(self._files[current].dependency)
        return [self._files[n].SerializeToString() for n in ordered]

    def _answer(self, request, response_cls):
        response = response_cls(valid_host=request.host, original_request=request)
        kind = request.WhichOneof("message_request")
        file_name, missing = None, None
        if kind == "list_services":
            for name in self._service_names:
                response.list_services_response.service.add(name=name)
        elif kind == "file_by_filename":
            file_name = request.file_by_filename
            missing = "file " + file_name
        elif kind == "file_containing_symbol":
            try:
                file_name = self._p.pool.FindFileContainingSymbol(request.file_containing_symbol).name
            except KeyError:
                missing = "symbol " + request.file_containing_symbol
        elif kind in ("file_containing_extension", "all_extension_numbers_of_type"):
            missing = "extension (this server defines none)"
        else:
            response.error_response.error_code = grpc.StatusCode.INVALID_ARGUMENT.value[0]
            response.error_response.error_message = "no question set in message_request"
        if file_name in self._files:
            response.file_descriptor_response.file_descriptor_proto.extend(self._with_dependencies(file_name))
        elif missing is not None:
            response.error_response.error_code = grpc.StatusCode.NOT_FOUND.value[0]
            response.error_response.error_message = "unknown " + missing
        return response

    def handler(self, version):
        package = "grpc.reflection." + version
        request_cls = self._p.message(package + ".ServerReflectionRequest")
        response_cls = self._p.message(package + ".ServerReflectionResponse")

        def info(request_iterator, context):
            for request in request_iterator:
                yield self._answer(request, response_cls)

        return grpc.method_handlers_generic_handler(package + ".ServerReflection", {
            "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
                info, _gunzipping(request_cls), serializer(response_cls)),
        })


def _gunzipping(cls):
    """Deserializer for messages other than EchoRequest; per-message decompression is off (see
    EchoService._decode_request), and no message of ours can begin with the gzip magic."""
    def decode(data):
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        return cls.FromString(data)
    return decode


def _reply_payload(size):
    return bytes(i % 251 for i in range(size))


class EchoService:
    def __init__(self, protos, stats, statuses):
        self._p = protos
        self._stats = stats
        self._statuses = statuses

    # --- rules shared by every Echo method -------------------------------------------------------

    @staticmethod
    def _echo_metadata(context, request=None):
        """x-echo-NAME comes back as header x-echo-NAME and trailer x-trailer-NAME, same value.

        Sends the response headers, so it also chooses the response compression, which grpc core
        announces in them: gzip when the request (if known by now) asks for a big reply.
        """
        if request is not None and request.reply_size >= COMPRESS_REPLY_AT_BYTES:
            context.set_compression(grpc.Compression.Gzip)
        headers, trailers = [], []
        for key, value in context.invocation_metadata():
            if key.startswith(ECHO_PREFIX):
                headers.append((key, value))
                trailers.append((TRAILER_PREFIX + key[len(ECHO_PREFIX):], value))
        context.send_initial_metadata(headers)
        context.set_trailing_metadata(trailers)

    def _decode_request(self, data):
        """Request deserializer: returns (EchoRequest, request encoding).

        grpcio hides the grpc-encoding header from handlers, so the server runs with grpc core's
        per-message decompression off and gunzips here: a compressed message starts with the gzip
        magic 1f 8b, which no EchoRequest can start with (0x1f would be field 3 with the invalid
        wire type 7). A call whose header says gzip but whose message is sent uncompressed (the
        compressed flag is per message) is reported as "".
        """
        if data[:2] == b"\x1f\x8b":
            return self._p.EchoRequest.FromString(gzip.decompress(data)), "gzip"
        return self._p.EchoRequest.FromString(data), ""

    @staticmethod
    def _fail_if_asked(request, context):
        if request.fail_code != 0:
            context.abort(_status_code(request.fail_code), request.fail_message)

    @staticmethod
    def _delay(request, context):
        """Waits delay_ms; returns False if the call was cancelled (client, deadline) meanwhile."""
        if request.delay_ms <= 0:
            return True
        ended = threading.Event()
        if not context.add_callback(ended.set):
            return False
        ended.wait(request.delay_ms / 1000.0)
        return context.is_active()

    def _reply(self, request, encoding, context, **fields):
        reply = self._p.EchoReply(message=request.message, request_encoding=encoding, **fields)
        if request.reply_size > 0:
            reply.payload = _reply_payload(request.reply_size)
        else:
            reply.payload = request.payload
        return reply

    def _count(self, context):
        # Runs when the handler ends: before the status goes out on success or abort, after the
        # call died on cancellation, so is_active() tells the two apart.
        self._stats.record(cancelled=not context.is_active())

    # --- methods ----------------------------------------------------------------------------------

    def unary(self, received, context):
        request, encoding = received
        try:
            self._echo_metadata(context, request)
            if not self._delay(request, context):
                return self._p.EchoReply()
            self._fail_if_asked(request, context)
            return self._reply(request, encoding, context)
        finally:
            self._count(context)

    def server_stream(self, received, context):
        request, encoding = received
        try:
            self._echo_metadata(context, request)
            if not self._delay(request, context):
                return
            self._fail_if_asked(request, context)
            for i in range(request.count):
                yield self._reply(request, encoding, context, index=i)
        finally:
            self._count(context)

    def client_stream(self, request_iterator, context):
        try:
            received, last, encoding = 0, self._p.EchoRequest(), ""
            for last, encoding in request_iterator:
                received += 1
            self._echo_metadata(context, last)
            if not self._delay(last, context):
                return self._p.EchoReply()
            self._fail_if_asked(last, context)
            return self._reply(last, encoding, context, received=received)
        finally:
            self._count(context)

    def bidi(self, request_iterator, context):
        try:
            self._echo_metadata(context)
            for index, (request, encoding) in enumerate(request_iterator):
                if not self._delay(request, context):
                    return
                self._fail_if_asked(request, context)
                yield self._reply(request, encoding, context, index=index)
        finally:
            self._count(context)

    def get_stats(self, request, context):
        self._echo_metadata(context)
        cancelled, completed = self._stats.snapshot()
        return self._p.StatsReply(cancelled_calls=cancelled, completed_calls=completed)

    def set_health(self, request, context):
        self._echo_metadata(context)
        if request.status not in (UNKNOWN, SERVING, NOT_SERVING):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "status must be 0, 1 or 2, got %d" % request.status)
        self._statuses.set(request.service, request.status)
        return self._p.SetHealthReply()

    def handler(self):
        p = self._p
        req, rep = self._decode_request, serializer(p.EchoReply)
        return grpc.method_handlers_generic_handler(ECHO_SERVICE, {
            "Unary": grpc.unary_unary_rpc_method_handler(self.unary, req, rep),
            "ServerStream": grpc.unary_stream_rpc_method_handler(self.server_stream, req, rep),
            "ClientStream": grpc.stream_unary_rpc_method_handler(self.client_stream, req, rep),
            "Bidi": grpc.stream_stream_rpc_method_handler(self.bidi, req, rep),
            "GetStats": grpc.unary_unary_rpc_method_handler(
                self.get_stats, _gunzipping(p.StatsRequest), serializer(p.StatsReply)),
            "SetHealth": grpc.unary_unary_rpc_method_handler(
                self.set_health, _gunzipping(p.SetHealthRequest), serializer(p.SetHealthReply)),
        })


def _status_code(number):
    for code in grpc.StatusCode:
        if code.value[0] == number:
            return code
    return grpc.StatusCode.UNKNOWN


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--workers", type=int, default=8,
                        help="thread pool size (default 8; delays and watches each hold one)")
    parser.add_argument("--tls-cert", help="PEM certificate chain: serve TLS instead of plaintext")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--no-reflection", action="store_true", help="leave out grpc.reflection v1 and v1alpha")
    args = parser.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")

    protos = Protos()
    stats = Stats()
    statuses = HealthStatuses({"": SERVING, ECHO_SERVICE: SERVING})
    reflection = ReflectionService(protos, [ECHO_SERVICE, HEALTH_SERVICE] + REFLECTION_SERVICES)
    handlers = [HealthService(protos, statuses).handler(protos), EchoService(protos, stats, statuses).handler()]
    if not args.no_reflection:
        handlers += [reflection.handler("v1"), reflection.handler("v1alpha")]
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=args.workers, thread_name_prefix="echo"),
        handlers=handlers,
        options=[
            ("grpc.max_receive_message_length", MAX_RECEIVE_MESSAGE_BYTES),
            ("grpc.max_send_message_length", -1),
            ("grpc.so_reuseport", 0),
            # Compressed requests reach EchoService._decode_request as they came; see there.
            ("grpc.per_message_decompression", 0),
        ],
    )
    address = "%s:%d" % (args.host, args.port)
    if args.tls_cert:
        with open(args.tls_key, "rb") as key, open(args.tls_cert, "rb") as cert:
            port = server.add_secure_port(address, grpc.ssl_server_credentials([(key.read(), cert.read())]))
    else:
        port = server.add_insecure_port(address)
    if port == 0:
        sys.exit("could not bind %s:%d" % (args.host, args.port))
    server.start()
    print("LISTENING %d" % port, flush=True)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop(grace=1).wait()


if __name__ == "__main__":
    main()
