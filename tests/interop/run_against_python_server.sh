#!/usr/bin/env bash
# Validates both interop clients against the Python grpcio reference server: starts
# python/echo_server.py in plaintext (and, when openssl is there, a second one with TLS), runs every
# case of python/interop_client.py and node/interop_client.js against it, prints a summary and exits
# non-zero if any case failed.
#
#   bash tests/interop/run_against_python_server.sh
#
# Needs /usr/bin/python3 with grpcio, grpc_tools and protobuf (Debian: python3-grpcio,
# python3-grpc-tools, python3-protobuf), node >= 18 and npm; installs node/node_modules with
# `npm ci --ignore-scripts` when missing. PYTHON overrides the interpreter.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-/usr/bin/python3}"
work="$(mktemp -d)"
pids=()

cleanup() {
  for pid in "${pids[@]+"${pids[@]}"}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# start_server NAME ARGS...: starts echo_server.py, waits for its LISTENING line, sets $port.
start_server() {
  local name="$1"; shift
  "$python" "$here/python/echo_server.py" --port 0 "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=("$!")
  for _ in $(seq 1 100); do
    port="$(awk '/^LISTENING /{print $2; exit}' "$work/$name.out" 2>/dev/null || true)"
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "server $name did not start:" >&2
  cat "$work/$name.err" >&2
  exit 1
}

if [ ! -d "$here/node/node_modules" ]; then
  (cd "$here/node" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null)
fi

start_server plain
plain_port="$port"
tls_args=()
if command -v openssl >/dev/null; then
  # A throw-away CA and a localhost certificate signed by it.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj "/CN=MimmoServe interop test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign" -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
    -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$work/server.ext"
  openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
    -days 1 -extfile "$work/server.ext" -out "$work/server.pem" 2>/dev/null
  start_server tls --tls-cert "$work/server.pem" --tls-key "$work/server.key"
  tls_args=(--tls-ca "$work/ca.pem" --tls-server-name localhost)
  tls_port="$port"
fi

passed=0
failed=0
skipped=0
failures=()
for client in python node; do
  if [ "$client" = python ]; then
    run=("$python" "$here/python/interop_client.py")
  else
    run=(node "$here/node/interop_client.js")
  fi
  for name in $("${run[@]}" --list); do
    if [ "$name" = tls_unary ]; then
      if [ ${#tls_args[@]} -eq 0 ]; then
        echo "SKIP $client $name: no openssl to make a certificate"
        skipped=$((skipped + 1))
        continue
      fi
      args=(--target "127.0.0.1:$tls_port" "${tls_args[@]}")
    else
      args=(--target "127.0.0.1:$plain_port")
    fi
    start_ns=$(date +%s%N)
    if line="$("${run[@]}" "${args[@]}" --case "$name" 2>&1)"; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      failures+=("$client: $line")
    fi
    printf '%-6s %-4s  %5d ms  %s\n' "$client" "$( [[ $line == PASS* ]] && echo ok || echo FAIL)" \
      $(( ($(date +%s%N) - start_ns) / 1000000 )) "$line"
  done
done

echo
echo "summary: $passed passed, $failed failed, $skipped skipped (python grpcio $("$python" -c 'import grpc; print(grpc.__version__)'), grpc-js $(node -p "require('$here/node/node_modules/@grpc/grpc-js/package.json').version"))"
for f in "${failures[@]+"${failures[@]}"}"; do echo "  $f"; done
[ "$failed" -eq 0 ]
