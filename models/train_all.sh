#!/usr/bin/env bash
# The full training of the bundled models, then export, check, reference data and the report.
# Two training queues run side by side with one thread each (two cores): MIMMO alone, and the single
# networks plus MIMONet in turn. Every run is time-capped (--max-minutes) and leaves checkpoints in runs/.
# Usage: cd models && ./train_all.sh            (TRAIN=0 ./train_all.sh skips training, re-exports only)
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-/usr/bin/python3}
SCALE=${SCALE:-1}   # multiplies every time cap (e.g. SCALE=2 on a busy machine)
cap() { awk "BEGIN { print $1 * $SCALE }"; }
TRUNK=(--channels 48,96,192 --exit-width 64 --strided-first --threads 1 --monitor 2000)

if [ "${TRAIN:-1}" = 1 ]; then
  mkdir -p runs
  $PY -m mimmo_kit train --family mimmo --out runs/mimmo "${TRUNK[@]}" --epochs 30 --max-minutes "$(cap 65)" \
      --batch-repetition 2 --input-repetition 0.5 --alpha 1.0 --seed 0 > runs/mimmo.log 2>&1 &
  mimmo_pid=$!
  (
    $PY -m mimmo_kit train --family single --out runs/single0 "${TRUNK[@]}" --epochs 8 --max-minutes "$(cap 15)" --seed 0
    $PY -m mimmo_kit train --family mimonet --out runs/mimonet --stem 48 --channels 96,192 --threads 1 --monitor 2000 \
        --epochs 20 --max-minutes "$(cap 27)" --batch-repetition 1 --input-repetition 0.5 --seed 0
    $PY -m mimmo_kit train --family single --out runs/single1 "${TRUNK[@]}" --epochs 5 --max-minutes "$(cap 10)" --seed 1
    $PY -m mimmo_kit train --family single --out runs/single2 "${TRUNK[@]}" --epochs 5 --max-minutes "$(cap 10)" --seed 2
  ) > runs/others.log 2>&1
  wait "$mimmo_pid"
fi

$PY -m mimmo_kit export --checkpoint runs/mimmo/checkpoint.pt --out fashion-mimmo
$PY -m mimmo_kit export --checkpoint runs/mimonet/checkpoint.pt --out fashion-mimonet
$PY -m mimmo_kit export --checkpoint runs/single0/checkpoint.pt --out fashion-single
$PY -m mimmo_kit export --ensemble runs/single0/checkpoint.pt runs/single1/checkpoint.pt \
    runs/single2/checkpoint.pt --out fashion-ensemble
for m in fashion-mimmo fashion-mimonet fashion-single fashion-ensemble; do $PY -m mimmo_kit check "$m/model.onnx"; done
$PY -m mimmo_kit evaluate --models fashion-mimmo fashion-mimonet fashion-single fashion-ensemble \
    --report REPORT.md --figures report
$PY -m mimmo_kit reference --models fashion-mimmo fashion-mimonet fashion-single fashion-ensemble --out reference
