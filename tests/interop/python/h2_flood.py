#!/usr/bin/env python3
"""Opens one cleartext HTTP/2 connection to a gRPC server and holds many calls open on it, as an attacker would.

Used by tests/MimmoServe.Server.Tests/Security/RequestMemoryTests.cs:

  h2_flood.py --port PORT --path /mimmo.v1.Inference/Predict --streams 100 --body bomb [--token T] [--wait 20]
  --body: bomb        a ~4 KB gzip-compressed message (grpc-encoding gzip) that expands to almost 4 MiB: a
                      PredictRequest whose packed `repeated int64 shape` is millions of one-byte zeros
          header:LEN  only the 5-byte message header, declaring LEN bytes (the rest never comes)
          none        no body at all

Each stream gets its request headers and body, and END_STREAM is never sent. The script then waits until every stream
has a gRPC status (or was reset) or --wait seconds pass, and prints one line per stream,
`STREAM <id> <grpc-status | RST:<code> | NONE> <length of grpc-message> <grpc-message, first 100 characters>`, then
`DONE <seconds>`. Needs Debian's python3-h2: run it with /usr/bin/python3.
"""

import argparse
import gzip
import select
import socket
import struct
import sys
import time
import urllib.parse

import h2.config
import h2.connection
import h2.events


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def bomb():
    # Field 2 (shape), wire type 2 (packed): 4 MiB less a little of zeros, each a one-byte varint (8 bytes once parsed).
    count = 4 * 1024 * 1024 - 64
    message = b"\x12" + varint(count) + bytes(count)
    compressed = gzip.compress(message, compresslevel=9)
    return b"\x01" + struct.pack(">I", len(compressed)) + compressed


def body_of(kind):
    if kind == "bomb":
        return bomb(), True
    if kind.startswith("header:"):
        return b"\x00" + struct.pack(">I", int(kind.split(":", 1)[1])), False
    if kind == "none":
        return b"", False
    raise SystemExit("unknown --body " + kind)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--body", default="bomb")
    parser.add_argument("--token")
    parser.add_argument("--header", action="append", default=[], help="extra name=value request header")
    parser.add_argument("--wait", type=float, default=20.0)
    args = parser.parse_args()

    body, compressed = body_of(args.body)
    sock = socket.create_connection(("127.0.0.1", args.port))
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())

    status = {}
    message = {}

    def pump(timeout):
        readable, _, _ = select.select([sock], [], [], timeout)
        if not readable:
            return True
        try:
            data = sock.recv(65536)
        except OSError:
            return False
        if not data:
            return False
        for event in conn.receive_data(data):
            if isinstance(event, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
                headers = dict(event.headers)
                if "grpc-status" in headers:
                    status[event.stream_id] = headers["grpc-status"]
                    message[event.stream_id] = urllib.parse.unquote(headers.get("grpc-message", ""))
            elif isinstance(event, h2.events.DataReceived):
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamReset):
                status.setdefault(event.stream_id, "RST:%d" % event.error_code)
            elif isinstance(event, h2.events.ConnectionTerminated):
                return False
        out = conn.data_to_send()
        if out:
            sock.sendall(out)
        return True

    # The server's SETTINGS and window updates first, so that the bodies fit its flow-control windows.
    start = time.monotonic()
    for _ in range(3):
        pump(0.2)

    headers = [(":method", "POST"), (":scheme", "http"), (":path", args.path), (":authority", "127.0.0.1:%d" % args.port),
               ("content-type", "application/grpc"), ("te", "trailers")]
    if compressed:
        headers.append(("grpc-encoding", "gzip"))
    if args.token:
        headers.append(("authorization", "Bearer " + args.token))
    for extra in args.header:
        name, value = extra.split("=", 1)
        headers.append((name, value))

    ids = []
    alive = True
    for _ in range(args.streams):
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, headers)
        ids.append(sid)
        sent = 0
        while alive and sent < len(body) and sid not in status and time.monotonic() - start < args.wait:
            window = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size)
            if window <= 0:
                sock.sendall(conn.data_to_send())
                alive = pump(0.1)
                continue
            chunk = body[sent:sent + window]
            conn.send_data(sid, chunk)
            sent += len(chunk)
        sock.sendall(conn.data_to_send())

    while alive and len([i for i in ids if i in status]) < len(ids) and time.monotonic() - start < args.wait:
        alive = pump(0.1)

    for sid in ids:
        text = message.get(sid, "")
        print("STREAM %d %s %d %s" % (sid, status.get(sid, "NONE"), len(text), text[:100].replace("\n", " ")))
    print("DONE %.2f" % (time.monotonic() - start))
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
