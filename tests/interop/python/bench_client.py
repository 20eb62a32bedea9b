#!/usr/bin/python3
"""Transport benchmark client: grpc.health.v1.Health/Check (service "") with N calls in flight.

    /usr/bin/python3 bench_client.py --target 127.0.0.1:PORT --calls 20000 --concurrency 32 [--warmup 2000]

Prints one JSON line:
    {"client": "grpcio", "calls": .., "seconds": .., "calls_per_second": .., "p50_ms": .., "p99_ms": ..,
     "errors": .., ...}
`calls` counts the measured calls (warm-up excluded), errors included; latencies are of the
successful ones. The exit code is 1 when any measured call failed.

Health/Check is the cheapest call a gRPC server has, so the numbers are the transport's cost, not
a handler's. The request is serialized once (HealthCheckRequest{service=""} is zero bytes) and
replies are not parsed in the loop, so the client spends its time in grpcio only; one checked call
first makes sure the server answers SERVING. Uses grpcio's asyncio API on one channel (one HTTP/2
connection): `concurrency` coroutines each keep one call in flight.
"""

import argparse
import asyncio
import json
import math
import os
import platform
import sys
import time

import grpc

from interop_protos import HEALTH_SERVICE, Protos

CHECK_METHOD = "/" + HEALTH_SERVICE + "/Check"
SERVING = 1


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an ascending list."""
    rank = math.ceil(fraction * len(sorted_values))
    return sorted_values[min(len(sorted_values), max(1, rank)) - 1]


async def run(args):
    protos = Protos()
    request = protos.HealthCheckRequest(service="").SerializeToString()
    async with grpc.aio.insecure_channel(args.target) as channel:
        check = channel.unary_unary(CHECK_METHOD)  # raw bytes both ways
        reply = protos.HealthCheckResponse.FromString(await check(request, timeout=args.timeout))
        if reply.status != SERVING:
            raise SystemExit("Health/Check(\"\") answered status %d, not SERVING" % reply.status)

        async def batch(total, latencies, errors):
            remaining = [total]

            async def worker():
                perf = time.perf_counter
                while remaining[0] > 0:
                    remaining[0] -= 1
                    start = perf()
                    try:
                        await check(request, timeout=args.timeout)
                    except grpc.RpcError as error:
                        errors.append(error.code().name if error.code() else "UNKNOWN")
                        continue
                    latencies.append(perf() - start)

            await asyncio.gather(*(worker() for _ in range(min(args.concurrency, max(total, 1)))))

        if args.warmup > 0:
            await batch(args.warmup, [], [])
        latencies, errors = [], []
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        await batch(args.calls, latencies, errors)
        seconds = time.perf_counter() - wall_start
        cpu_seconds = time.process_time() - cpu_start

    latencies.sort()
    error_kinds = {}
    for name in errors:
        error_kinds[name] = error_kinds.get(name, 0) + 1
    return {
        "client": "grpcio",
        "calls": args.calls,
        "seconds": round(seconds, 3),
        "calls_per_second": round(args.calls / seconds, 1) if seconds > 0 else None,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 3) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 3) if latencies else None,
        "errors": len(errors),
        "error_codes": error_kinds,
        "concurrency": args.concurrency,
        "warmup": args.warmup,
        "method": CHECK_METHOD,
        "target": args.target,
        "client_cpu_seconds": round(cpu_seconds, 3),
        "grpcio": grpc.__version__,
        "python": platform.python_version(),
        "machine": "%s, %d CPUs" % (platform.machine(), os.cpu_count() or 0),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, help="HOST:PORT (plaintext HTTP/2)")
    parser.add_argument("--calls", type=int, default=20000, help="measured calls (default 20000)")
    parser.add_argument("--concurrency", type=int, default=32, help="calls in flight (default 32)")
    parser.add_argument("--warmup", type=int, default=2000, help="unmeasured calls first (default 2000)")
    parser.add_argument("--timeout", type=float, default=10.0, help="deadline of each call in seconds (default 10)")
    args = parser.parse_args()
    if args.calls <= 0 or args.concurrency <= 0 or args.warmup < 0:
        parser.error("--calls and --concurrency must be positive, --warmup not negative")
    result = asyncio.run(run(args))
    print(json.dumps(result), flush=True)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
