#!/usr/bin/env bash
# The full training of the bundled models, then export, check, evaluation and reference data (README.md, "The recipe").
# 1. The pilot: the single network at each candidate width and at 1/M of it for a few epochs; it chooses WIDTH, the
#    smallest candidate whose accuracy gap is within 1.5 points (runs/pilot/pilot.md).
# 2. Every family at that width with one recipe and the same epoch budget: the single network (seed 0, also ensemble
#    member 0), MIMMO, the JEI-DNN gates on MIMMO, MIMONet, ensemble members 1 and 2; then the single network at 1/M
#    of the width (single-third: REPORT.md's evidence for the k=1 gap, evaluated but not bundled).
# 3. Export, evaluation, reference data, the contract check.
# Resumable: every run saves a checkpoint after each epoch; re-running the script continues unfinished runs exactly
# (same schedule) and skips finished ones. SESSION_MINUTES ends a session after the last epoch that fits (exit code 3;
# run the script again to continue). Each run logs to runs/NAME.log (appended per session) with wall time, CPU time
# and load average per epoch; this script's own progress goes to runs/train_all.log.
# Usage: cd models && ./train_all.sh
#   SESSION_MINUTES=300 ./train_all.sh   stop after about five hours (resume later with the same command)
#   WIDTH=1.25 ./train_all.sh            skip the pilot's choice (the pilot still runs unless PILOT=0)
#   EPOCHS=30 ./train_all.sh             the epoch budget of every family (default 20)
#   PILOT_ONLY=1 ./train_all.sh          run the pilot and stop
#   TRAIN=0 ./train_all.sh               no training: re-export, check, evaluate, write the reference data
# Estimate first (a few timed steps): /usr/bin/python3 -m mimmo_kit estimate --width 1 "${RECIPE[@]}" (as below)
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-/usr/bin/python3}
EPOCHS=${EPOCHS:-20}
PILOT_WIDTHS=${PILOT_WIDTHS:-1,1.25}
PILOT_EPOCHS=${PILOT_EPOCHS:-4}
SESSION_MINUTES=${SESSION_MINUTES:-0}
STOPPED=3
# The recipe (README.md): trunk 48-96-192 channels at width 1, two convolutions per block, a strided first block;
# AdamW 2e-3 with decoupled weight decay 0.03 on weights, one cosine over the run; pad-and-crop (2 px) and flips;
# MIMO rows with batch repetition 2 and input repetition 0.25.
RECIPE=(--channels 48,96,192 --convs 2 --strided-first --exit-width 64 --augment --pad 2 --weight-decay 0.03 --lr 2e-3 --precision bf16
        --batch-size 128 --threads 2)
MIMO=(--slots 3 --batch-repetition 2 --input-repetition 0.25)
DEADLINE=0
[ "$SESSION_MINUTES" != 0 ] && DEADLINE=$(( $(date +%s) + ${SESSION_MINUTES%.*} * 60 ))

mkdir -p runs
note() { echo "$(date -u +%FT%TZ) $*  (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a runs/train_all.log; }
# Minutes left in this session (0: no cap); fails when none are left.
minutes_left() {
  if [ "$DEADLINE" = 0 ]; then echo 0; return 0; fi
  local left=$(( (DEADLINE - $(date +%s)) / 60 ))
  [ "$left" -ge 1 ] && echo "$left"
}
# Runs a kit command that resumes (train, gates, pilot); stops the script when the session cap stopped it.
step() {
  local name=$1; shift
  local left rc=0
  left=$(minutes_left) || { note "session cap reached before $name; run ./train_all.sh again to continue"; exit "$STOPPED"; }
  note "start $name"
  "$PY" -m mimmo_kit "$@" --max-minutes "$left" >> "runs/$name.log" 2>&1 || rc=$?
  if [ "$rc" = "$STOPPED" ]; then note "$name stopped by the session cap; run ./train_all.sh again to continue"; exit "$rc"; fi
  if [ "$rc" != 0 ]; then note "$name failed (exit $rc); see runs/$name.log"; exit "$rc"; fi
  note "done $name"
}

if [ "${TRAIN:-1}" = 1 ]; then
  # A finished pilot (every row of runs/pilot/pilot.json finished) is not run again: its table and choice stand, and
  # its checkpoints need not be kept (they are not carried over between sessions).
  if [ "${PILOT:-1}" = 1 ] && "$PY" -c 'import json, sys; rows = json.load(open("runs/pilot/pilot.json"))["rows"]; sys.exit(0 if rows and all(r["finished"] for r in rows) else 1)' 2>/dev/null; then
    note "pilot finished before (runs/pilot/pilot.md); not run again"
  elif [ "${PILOT:-1}" = 1 ]; then
    # The pilot's --max-minutes is the session's remainder; each pilot run resumes like any run. It compares widths on
    # the first 3,000 held-out images, not on the last 2,000 that calibrate the conformal sets (gates --select 2000).
    step pilot pilot --out runs/pilot --widths "$PILOT_WIDTHS" --epochs "$PILOT_EPOCHS" --monitor 3000 "${RECIPE[@]}" "${MIMO[@]}"
  fi
  [ "${PILOT_ONLY:-0}" = 1 ] && exit 0
  if [ -z "${WIDTH:-}" ]; then
    WIDTH=$("$PY" -c 'import json; w = json.load(open("runs/pilot/pilot.json"))["chosen_width"]; print("" if w is None else w)')
    [ -n "$WIDTH" ] || { note "no pilot width is within the goal (runs/pilot/pilot.md): set WIDTH"; exit 1; }
  fi
  note "width $WIDTH, $EPOCHS epochs per run"
  COMMON=(--width "$WIDTH" --epochs "$EPOCHS" --monitor 2000 --resume "${RECIPE[@]}")
  step single-0 train --family single --out runs/single-0 --seed 0 "${COMMON[@]}"
  step mimmo train --family mimmo --out runs/mimmo --seed 0 --alpha 0.1 "${COMMON[@]}" "${MIMO[@]}"
  # The staged early-exit model: exit heads and gates on the frozen trunk of the final MIMMO.
  step jeidnn gates --init runs/mimmo/checkpoint.pt --out runs/jeidnn --warmup-epochs 1 --epochs 3 --lam 0.1 \
      --monitor 1000 --select 2000 --augment --batch-repetition 2 --input-repetition 0.25 --threads 2 --seed 0 --resume
  step mimonet train --family mimonet --out runs/mimonet --seed 0 --key-regularization 0.1 "${COMMON[@]}" "${MIMO[@]}"
  for seed in 1 2; do
    step "single-$seed" train --family single --out "runs/single-$seed" --seed "$seed" "${COMMON[@]}"
  done
  # Evidence for REPORT.md, not a bundled model: the single network at 1/M of the width with the same budget, what
  # the pilot (4 epochs) takes a k = 1 member of MIMMO to be like. Its row is in the report's tables only.
  THIRD=$("$PY" -c "print(round($WIDTH / 3, 4))")
  step single-third train --family single --out runs/single-third --seed 0 --width "$THIRD" --epochs "$EPOCHS" \
      --monitor 2000 --resume "${RECIPE[@]}"
fi

note "export, evaluation, reference data"
$PY -m mimmo_kit export --checkpoint runs/mimmo/checkpoint.pt --out fashion-mimmo
$PY -m mimmo_kit export --checkpoint runs/mimonet/checkpoint.pt --out fashion-mimonet
$PY -m mimmo_kit export --checkpoint runs/single-0/checkpoint.pt --out fashion-single
$PY -m mimmo_kit export --ensemble runs/single-0/checkpoint.pt runs/single-1/checkpoint.pt runs/single-2/checkpoint.pt \
    --out fashion-ensemble --save-checkpoint runs/ensemble/checkpoint.pt
$PY -m mimmo_kit export --checkpoint runs/jeidnn/checkpoint.pt --out fashion-jeidnn
MODELS=(fashion-mimmo=runs/mimmo/checkpoint.pt fashion-mimonet=runs/mimonet/checkpoint.pt
        fashion-single=runs/single-0/checkpoint.pt fashion-ensemble=runs/ensemble/checkpoint.pt)
# The 1/M-width single network, when trained, is evaluated beside them (evidence, not served: no reference data).
EVIDENCE=()
[ -f runs/single-third/checkpoint.pt ] && EVIDENCE=(single-third=runs/single-third/checkpoint.pt)
$PY -m mimmo_kit evaluate --models "${MODELS[@]}" "${EVIDENCE[@]}" --report REPORT.md --figures report --fresh
$PY -m mimmo_kit evaluate-stages --model fashion-jeidnn=runs/jeidnn/checkpoint.pt --report REPORT.md
$PY -m mimmo_kit reference --models "${MODELS[@]}" fashion-jeidnn=runs/jeidnn/checkpoint.pt --out reference
$PY -m mimmo_kit check --run fashion-mimmo fashion-mimonet fashion-single fashion-ensemble fashion-jeidnn
note "all done"
