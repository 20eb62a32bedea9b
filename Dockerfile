# syntax=docker/dockerfile:1
# MimmoServe container image: the gRPC server (`MimmoServe.Server`), the `mimmo` command line (for the
# HEALTHCHECK and for debugging) and the bundled models, on an NVIDIA CUDA base (default) or a plain Ubuntu base.
#
#   docker build -t mimmoserve:0.1.0-gpu --build-arg ORT_GPU_SHA256=<sha256> .  # CUDA 12 + cuDNN 9, ONNX Runtime GPU release
#   docker build -t mimmoserve:0.1.0-cpu --build-arg VARIANT=cpu .  # CPU only, the pinned npm ONNX Runtime
#
# Stages: ort-gpu / ort-cpu fetch the ONNX Runtime library of the variant into /ort; build publishes the server
# and the CLI self-contained into /app with that library (build/OnnxRuntime.targets copies /ort's
# libonnxruntime.so.1 and libonnxruntime_providers_*.so next to the assemblies, where the binding looks first
# when neither Onnx:Library nor MIMMO_ORT_LIBRARY is set); runtime-gpu / runtime-cpu are the final images.
# Every base image is pinned by its version tag. No image was built on the development machine (it has no
# Docker engine): see deploy/README.md.

ARG VARIANT=gpu
# The ONNX Runtime the binding is built against: native/package.json pins onnxruntime-node 1.30.0, and the GPU
# variant uses the official GitHub release of the same version (CUDA 12.x, cuDNN 9 per its release notes).
ARG ORT_VERSION=1.30.0

# ---- ONNX Runtime, GPU: the official release tarball, its lib/ folder kept together --------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble AS ort-gpu
ARG ORT_VERSION
# sha256 of onnxruntime-linux-x64-gpu-${ORT_VERSION}.tgz. Not filled in: it was not downloaded on the
# development machine, so no digest can be stated honestly. Without it the build FAILS (build/verify-sha256.sh):
# pass --build-arg ORT_GPU_SHA256=<digest> (from the release page), or, knowingly, --build-arg
# ORT_GPU_ALLOW_UNVERIFIED=true (the build then prints the digest it got, to fill in here).
ARG ORT_GPU_SHA256=""
ARG ORT_GPU_ALLOW_UNVERIFIED=false
COPY build/verify-sha256.sh /usr/local/bin/verify-sha256
RUN set -eu; \
    name="onnxruntime-linux-x64-gpu-${ORT_VERSION}.tgz"; \
    curl -fsSL -o "/tmp/${name}" "https://github.com/microsoft/onnxruntime/releases/download/v${ORT_VERSION}/${name}"; \
    verify-sha256 "/tmp/${name}" "${ORT_GPU_SHA256}" "${ORT_GPU_ALLOW_UNVERIFIED}"; \
    mkdir -p /tmp/ort /ort; \
    tar -xzf "/tmp/${name}" -C /tmp/ort --strip-components=1; \
    cp -L /tmp/ort/lib/libonnxruntime.so /ort/libonnxruntime.so.1; \
    cp -L /tmp/ort/lib/libonnxruntime_providers_shared.so /ort/; \
    cp -L /tmp/ort/lib/libonnxruntime_providers_cuda.so /ort/; \
    if [ -f /tmp/ort/lib/libonnxruntime_providers_tensorrt.so ]; then cp -L /tmp/ort/lib/libonnxruntime_providers_tensorrt.so /ort/; fi; \
    rm -rf /tmp/ort "/tmp/${name}"

# ---- ONNX Runtime, CPU: the npm package the normal build uses, from its committed lock file ------------------
FROM node:22.12.0-bookworm-slim AS ort-cpu
WORKDIR /src/native
COPY native/package.json native/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && mkdir -p /ort \
 && cp -L node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1 /ort/libonnxruntime.so.1

FROM ort-${VARIANT} AS ort

# ---- build: publish the server and the CLI, self-contained, into one folder ---------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble AS build
WORKDIR /src
COPY --from=ort /ort/ /ort/
COPY . .
RUN dotnet publish src/MimmoServe.Server/MimmoServe.Server.csproj -c Release -r linux-x64 --self-contained \
      -p:MimmoOrtLibrary=/ort/libonnxruntime.so.1 -o /app \
 && dotnet publish src/MimmoServe.Cli/MimmoServe.Cli.csproj -c Release -r linux-x64 --self-contained \
      -p:MimmoOrtLibrary=/ort/libonnxruntime.so.1 -o /app \
 && mkdir -p /models \
 && for dir in models/*/; do \
      if [ -f "${dir}model.onnx" ]; then \
        name="$(basename "${dir}")"; mkdir -p "/models/${name}"; \
        cp "${dir}"*.onnx "/models/${name}/"; \
        if [ -f "${dir}config.json" ]; then cp "${dir}config.json" "/models/${name}/"; fi; \
      fi; \
    done

# ---- runtime, GPU: CUDA 12 runtime with cuDNN 9 ---------------------------------------------------------------
FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 AS runtime-gpu
# What a self-contained .NET app needs from the OS (the list of the runtime-deps image), CUDA comes with the base.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libc6 libgcc-s1 libicu74 libssl3t64 libstdc++6 tzdata zlib1g \
 && rm -rf /var/lib/apt/lists/*
ENV MIMMO_PROVIDER=cuda \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility

# ---- runtime, CPU: the .NET runtime-deps image (Ubuntu 24.04) -------------------------------------------------
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0.12-noble AS runtime-cpu
ENV MIMMO_PROVIDER=cpu

# ---- final: the variant's runtime with the app, the models and a non-root user --------------------------------
FROM runtime-${VARIANT} AS final
ARG VARIANT
LABEL org.opencontainers.image.title="mimmoserve" \
      org.opencontainers.image.description="MimmoServe: gRPC inference server for MIMO-family ONNX ensembles" \
      org.opencontainers.image.version="0.1.0" \
      io.mimmoserve.variant="${VARIANT}"
RUN groupadd --system --gid 10001 mimmo \
 && useradd --system --uid 10001 --gid mimmo --home-dir /app --no-create-home --shell /usr/sbin/nologin mimmo
WORKDIR /app
# Both owned by root: the server (uid 10001) reads its code and models but cannot change them.
COPY --from=build --chown=root:root /app/ /app/
COPY --from=build --chown=root:root /models/ /models/
# The server's settings (src/MimmoServe.Server/README.md); each can be overridden with -e or a ConfigMap.
# The admin port listens on every interface in a container (the server's default is loopback): Prometheus and probes
# come from outside the container; who reaches it is decided by publishing (docker-compose.yml: 127.0.0.1 only) and by
# deploy/network-policy.
ENV MIMMO_MODELS=/models \
    MIMMO_PORT=50051 \
    MIMMO_ADMIN_PORT=8080 \
    MIMMO_ADMIN_ADDRESS=0.0.0.0 \
    MIMMO_SHUTDOWN_GRACE_SECONDS=25 \
    OTEL_SERVICE_NAME=mimmoserve \
    DOTNET_EnableDiagnostics=0 \
    PATH="/app:${PATH}"
# The bundled models are in the image; mount other models here (a folder of <name>/model.onnx).
VOLUME ["/models"]
EXPOSE 50051 8080
USER 10001:10001
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 \
  CMD ["/app/mimmo", "health", "--address", "localhost:50051", "--timeout", "3"]
ENTRYPOINT ["/app/MimmoServe.Server"]
