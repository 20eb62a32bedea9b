#!/usr/bin/python3
"""A fresh process's first seconds (bench/README.md, "A fresh process with the new models"): a new server's first 2 s
of saturating single-item k=1 load from the moment its health says SERVING, after W seconds of h2load load first
(W=0: none), against the same server's rate over 6 s after 15 s more. Four h2load processes (one connection, 72
streams each) send pre-encoded Predicts of Fashion-MNIST test images 0-3. Environment variables for the server in
EXP_ENV ("MIMMO_WARMUP_SECONDS=0 DOTNET_TieredPGO=0"). Run with /usr/bin/python3 (grpcio) from the repository root:
  EXP_ENV="MIMMO_WARMUP_SECONDS=3" /usr/bin/python3 bench/tools/fresh_start.py models \
      src/MimmoServe.Server/bin/Release/net10.0/MimmoServe.Server.dll fashion-mimmo 0"""
import gzip, os, re, socket, struct, subprocess, sys, time
import grpc

def varint(n):
    out = b""
    while True:
        b = n & 0x7F; n >>= 7
        if n: out += bytes([b | 0x80])
        else: return out + bytes([b])

def field(num, wt, payload):
    return varint(num << 3 | wt) + payload

def body(model, pixels, k):
    raw = b"".join(struct.pack("<f", p / 255.0) for p in pixels)
    shape = b"".join(varint(d) for d in (1, 28, 28))
    msg = field(1, 2, varint(len(model)) + model.encode()) + field(2, 2, varint(len(shape)) + shape) \
        + field(4, 2, varint(len(raw)) + raw) + field(6, 0, varint(k))
    return b"\x00" + struct.pack(">I", len(msg)) + msg

def images(n):
    with gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") as f:
        data = f.read()
    return [data[16 + i * 784:16 + (i + 1) * 784] for i in range(n)]

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def serving(port):
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            r = ch.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=2)
            return r == b"\x08\x01"
    except grpc.RpcError:
        return False

def load(port, bodies, seconds, streams=72):
    procs = [subprocess.Popen(["h2load", "-c", "1", "-m", str(streams), "-D", str(seconds), "-d", b,
                               "-H", "content-type: application/grpc", "-H", "te: trailers",
                               f"http://127.0.0.1:{port}/mimmo.v1.Inference/Predict"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for b in bodies]
    total = 0.0
    for p in procs:
        out = p.communicate()[0]
        m = re.search(r"finished in ([\d.]+)s, ([\d.]+) req/s", out)
        total += float(m.group(2)) if m else 0
    return total

def main():
    models, dll, model = sys.argv[1:4]
    warms = [float(w) for w in sys.argv[4:]]
    bodies = []
    for i, px in enumerate(images(4)):
        path = f"/tmp/fresh-start-body{i}.bin"
        open(path, "wb").write(body(model, px, 1))
        bodies.append(path)
    env = dict(os.environ, Logging__LogLevel__Default="Warning")
    env.update({k: v for k, v in (a.split("=", 1) for a in os.environ.get("EXP_ENV", "").split() if "=" in a)})
    for w in warms:
        port, admin = free_port(), free_port()
        start = time.time()
        command = ["dotnet", dll] if dll.endswith(".dll") else [dll]  # a self-contained publish runs as is
        server = subprocess.Popen(command + ["--port", str(port), "--admin-port", str(admin), "--models", models], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not serving(port):
            time.sleep(0.05)
        ready = time.time() - start
        if w > 0:
            load(port, bodies, w)
        first = load(port, bodies, 2)
        load(port, bodies, 15)
        steady = load(port, bodies, 6)
        server.terminate(); server.wait()
        print(f"pre-load {w:4.1f} s: ready after {ready:.1f} s; first 2 s {first:8.0f}/s, steady {steady:8.0f}/s, ratio {first / steady:.2f}  (load {open('/proc/loadavg').read().split()[:3]})", flush=True)

main()
