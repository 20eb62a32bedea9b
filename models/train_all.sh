#!/usr/bin/env bash
# The full training of the bundled models, then export, check, evaluation and reference data.
# Three time-capped training queues run side by side with one thread each (torch's two-thread scaling is
# poor on a shared two-core machine): MIMMO; MIMONet; the three single networks (member 0 is also the
# single baseline). Each run leaves checkpoint.pt and history.json in runs/NAME and logs to runs/NAME.log.
# Usage: cd models && ./train_all.sh
#   SCALE=2 ./train_all.sh   multiplies every time cap (a slower or busier machine)
#   TRAIN=0 ./train_all.sh   skips training: re-exports, checks, evaluates, writes the reference data
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-/usr/bin/python3}
SCALE=${SCALE:-1}
cap() { awk "BEGIN { print $1 * $SCALE }"; }
TRUNK=(--channels 48,96,192 --exit-width 64 --strided-first --threads 1 --monitor 2000)

if [ "${TRAIN:-1}" = 1 ]; then
  mkdir -p runs
  $PY -m mimmo_kit train --family mimmo --out runs/mimmo "${TRUNK[@]}" --epochs 30 --max-minutes "$(cap 65)" \
      --batch-repetition 2 --input-repetition 0.5 --alpha 1.0 --seed 0 > runs/mimmo.log 2>&1 &
  pids=($!)
  $PY -m mimmo_kit train --family mimonet --out runs/mimonet --stem 48 --channels 96,192 --threads 1 \
      --monitor 2000 --epochs 20 --max-minutes "$(cap 48)" --batch-repetition 1 --input-repetition 0.5 --seed 0 \
      > runs/mimonet.log 2>&1 &
  pids+=($!)
  # Member 0 (also the single baseline) ran under a 15-minute cap, members 1 and 2 under 20 minutes.
  for run in 0:15 1:20 2:20; do
    seed=${run%%:*}
    $PY -m mimmo_kit train --family single --out "runs/single$seed" "${TRUNK[@]}" --epochs 8 \
        --max-minutes "$(cap "${run##*:}")" --seed "$seed" > "runs/single$seed.log" 2>&1
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
fi

$PY -m mimmo_kit export --checkpoint runs/mimmo/checkpoint.pt --out fashion-mimmo
$PY -m mimmo_kit export --checkpoint runs/mimonet/checkpoint.pt --out fashion-mimonet
$PY -m mimmo_kit export --checkpoint runs/single0/checkpoint.pt --out fashion-single
$PY -m mimmo_kit export --ensemble runs/single0/checkpoint.pt runs/single1/checkpoint.pt \
    runs/single2/checkpoint.pt --out fashion-ensemble --save-checkpoint runs/ensemble/checkpoint.pt
MODELS=(fashion-mimmo=runs/mimmo/checkpoint.pt fashion-mimonet=runs/mimonet/checkpoint.pt
        fashion-single=runs/single0/checkpoint.pt fashion-ensemble=runs/ensemble/checkpoint.pt)
$PY -m mimmo_kit evaluate --models "${MODELS[@]}" --report REPORT.md --figures report
$PY -m mimmo_kit reference --models "${MODELS[@]}" --out reference
$PY -m mimmo_kit check --run fashion-mimmo fashion-mimonet fashion-single fashion-ensemble
