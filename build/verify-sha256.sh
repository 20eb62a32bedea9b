#!/bin/sh
# verify-sha256.sh FILE EXPECTED [ALLOW_UNVERIFIED]: checks FILE's sha256 against EXPECTED (the Dockerfile's ort-gpu stage
# runs it on the ONNX Runtime GPU tarball). A mismatch fails. No EXPECTED fails too, unless ALLOW_UNVERIFIED is "true":
# a download nobody checked must be chosen explicitly, never the silent default. Exit code 0 = use the file.
set -eu
file="$1"
expected="${2:-}"
allow_unverified="${3:-false}"
actual="$(sha256sum "$file" | cut -d' ' -f1)"
if [ -n "$expected" ]; then
  if [ "$actual" = "$expected" ]; then
    echo "sha256 verified: $file"
    exit 0
  fi
  echo "ERROR: the sha256 of $file is $actual, not the expected $expected." >&2
  exit 1
fi
if [ "$allow_unverified" = "true" ]; then
  echo "WARNING: $file is NOT verified (its sha256 is $actual); building with it because unverified downloads were allowed." >&2
  exit 0
fi
echo "ERROR: no digest to check $file against (its sha256 is $actual). Pass the digest from the release page" >&2
echo "(--build-arg ORT_GPU_SHA256=<sha256>), or --build-arg ORT_GPU_ALLOW_UNVERIFIED=true to build with an unverified file." >&2
exit 1
