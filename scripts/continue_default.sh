#!/usr/bin/env bash
# Continue training the shipped default model from what the repository holds: a warm
# restart of models/default (its tokenizer and weights; AdamW's moments are rebuilt
# by a short warmup) on the split of scripts/modern_split.sh, with a moving average of
# the weights. Each stretch is one cosine cycle sized to the machine time there is, so
# a stretch cut short still ends on its best validation weights (checkpointed every
# 5 minutes; `--resume` continues the same stretch on the same machine).
#
#   scripts/continue_default.sh [STEPS] [DATA_DIR]   # a new stretch (default 4000 steps)
#   scripts/continue_default.sh --resume [STEPS]    # continue an interrupted stretch
#                                                   # (STEPS: a new end, counted from its start)
#
# The model has seen less than one pass over its data, so it is underfit: no dropout
# (a 900-step stretch at lr 2e-3 with dropout 0.1 ended at 1.5977 bits per byte, worse
# than the 1.5857 it started from), and a gentler peak (LSTM_TUI_LR, default 1e-3).
#
# Nothing but the committed bundle is needed to start a stretch on a fresh machine.
# The stretch's bundle lands in your models folder as default-next; install it with
# scripts/install_default.sh default-next only when it beats models/default on both the
# validation files and bench/suggestions.py (`--model default-next --no-mix`: a model
# fine-tuned from the shipped one is otherwise mixed with it, as a writer's model is).
# Runs at nice 19 on one thread by default
# (LSTM_TUI_THREADS), so it gives way to everything else; SIGSTOP/SIGCONT pause it while
# anything is timed (a --steps budget is not eaten by a pause).
#
# Where Linux groups processes by session for the scheduler (autogroup: most desktops,
# and these machines), `nice` only ranks a process within its own session, so a run
# started in its own session (setsid, another terminal) took a whole core from a
# two-thread fine-tune beside it: 245 tokens/s instead of 980. So a run in the
# background (its output not a terminal) gets a session of its own, niced as well.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/modern_split.sh"
name=default-next
if [[ -w /proc/self/autogroup && ! -t 1 ]]; then
    if [[ -z "${LSTM_TUI_OWN_SESSION:-}" ]]; then
        LSTM_TUI_OWN_SESSION=1 exec setsid "$0" "$@"
    fi
    { echo 19 > /proc/self/autogroup; } 2>/dev/null || true
fi
read -r -a lstm <<< "${LSTM_TUI:-lstm-tui}"
opts=(--threads "${LSTM_TUI_THREADS:-1}" ${LSTM_TUI_EVENTS:+--events "$LSTM_TUI_EVENTS"})

if [[ "${1:-}" == "--resume" ]]; then
    exec nice -n 19 "${lstm[@]}" train --name "$name" --resume ${2:+--steps "$2"} "${opts[@]}"
fi
steps="${1:-4000}"
modern_split "${2:-$here/../shared/data}"
exec nice -n 19 "${lstm[@]}" train "${split[@]}" --name "$name" --from "$here/models/default" \
    --lr "${LSTM_TUI_LR:-1e-3}" --warmup-steps 200 --steps "$steps" --ema 0.999 --dropout 0 --blend 1 \
    --eval-every 500 --val-max-tokens 600000 --force "${opts[@]}"
