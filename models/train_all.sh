#!/usr/bin/env bash
# The full training of the bundled models, then export, check, evaluation and reference data: the commands
# that made the bundled models, in order (REPORT.md, "How these numbers were produced").
# Each run leaves checkpoint.pt (saved after every epoch) and history.json in runs/NAME and logs to runs/NAME.log.
# The learning rate follows a cosine over whichever of --epochs and --max-minutes runs out first, so on a busier
# or slower machine the same commands run fewer epochs: raise the caps with SCALE (every cap multiplied).
# MIMMO's stages continue one another (--init): the first at alpha 1 (the authors' default), then alpha 0.2
# and 0.1, which moved the exit weights to the deep exits (REPORT.md). Four hours of CPU on 2 cores in all.
# Usage: cd models && ./train_all.sh
#   SCALE=2 ./train_all.sh   multiplies every time cap
#   TRAIN=0 ./train_all.sh   skips training: re-exports, checks, evaluates, writes the reference data
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-/usr/bin/python3}
SCALE=${SCALE:-1}
cap() { awk "BEGIN { print $1 * $SCALE }"; }
TRUNK=(--channels 48,96,192 --exit-width 64 --strided-first --monitor 2000)
MIMMO=("${TRUNK[@]}" --family mimmo --batch-repetition 2 --input-repetition 0.5)
train() { local name=$1; shift; $PY -m mimmo_kit train --out "runs/$name" "$@" > "runs/$name.log" 2>&1; }

if [ "${TRAIN:-1}" = 1 ]; then
  mkdir -p runs
  (
    train mimmo "${MIMMO[@]}" --threads 1 --epochs 30 --max-minutes "$(cap 65)" --alpha 1.0 --seed 0
    train mimmo-more "${MIMMO[@]}" --init runs/mimmo/checkpoint.pt --threads 2 --epochs 3 --max-minutes "$(cap 14)" \
        --alpha 1.0 --lr 5e-4 --seed 3
    train mimmo-alpha "${MIMMO[@]}" --init runs/mimmo-more/checkpoint.pt --threads 2 --epochs 6 --max-minutes "$(cap 24)" \
        --alpha 0.2 --lr 5e-4 --seed 3
    train mimmo-long "${MIMMO[@]}" --init runs/mimmo-alpha/checkpoint.pt --threads 1 --epochs 14 --max-minutes "$(cap 80)" \
        --alpha 0.1 --lr 1e-3 --seed 4
  ) &
  mimmo=$!
  train mimonet --family mimonet --stem 48 --channels 96,192 --monitor 2000 --threads 1 --epochs 20 \
      --max-minutes "$(cap 48)" --batch-repetition 1 --input-repetition 0.5 --seed 0
  # Three single networks of the same trunk: seed 0 is also the single baseline; all three are the deep ensemble.
  # Seed 1 got two epochs under its cap on the loaded machine and was continued for four more.
  for seed in 0 1 2; do
    train "single-long$seed" "${TRUNK[@]}" --family single --threads 1 --epochs 12 --max-minutes "$(cap 26)" --seed "$seed"
  done
  train single-long1b "${TRUNK[@]}" --family single --init runs/single-long1/checkpoint.pt --threads 1 --epochs 4 \
      --max-minutes "$(cap 12)" --lr 1e-3 --seed 11
  wait "$mimmo"
  # The staged early-exit model: gates and exit heads on the frozen trunk of the final MIMMO (a few minutes).
  $PY -m mimmo_kit gates --init runs/mimmo-long/checkpoint.pt --out runs/jeidnn4 --epochs 4 --threads 2 --seed 0 \
      > runs/jeidnn4.log 2>&1
fi

$PY -m mimmo_kit export --checkpoint runs/mimmo-long/checkpoint.pt --out fashion-mimmo
$PY -m mimmo_kit export --checkpoint runs/mimonet/checkpoint.pt --out fashion-mimonet
$PY -m mimmo_kit export --checkpoint runs/single-long0/checkpoint.pt --out fashion-single
$PY -m mimmo_kit export --ensemble runs/single-long0/checkpoint.pt runs/single-long1b/checkpoint.pt \
    runs/single-long2/checkpoint.pt --out fashion-ensemble --save-checkpoint runs/ensemble-long/checkpoint.pt
$PY -m mimmo_kit export --checkpoint runs/jeidnn4/checkpoint.pt --out fashion-jeidnn
MODELS=(fashion-mimmo=runs/mimmo-long/checkpoint.pt fashion-mimonet=runs/mimonet/checkpoint.pt
        fashion-single=runs/single-long0/checkpoint.pt fashion-ensemble=runs/ensemble-long/checkpoint.pt)
$PY -m mimmo_kit evaluate --models "${MODELS[@]}" --report REPORT.md --figures report --fresh
$PY -m mimmo_kit evaluate-stages --model fashion-jeidnn=runs/jeidnn4/checkpoint.pt --report REPORT.md
$PY -m mimmo_kit reference --models "${MODELS[@]}" fashion-jeidnn=runs/jeidnn4/checkpoint.pt --out reference
$PY -m mimmo_kit check --run fashion-mimmo fashion-mimonet fashion-single fashion-ensemble fashion-jeidnn
