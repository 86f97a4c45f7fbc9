#!/usr/bin/env bash
# Train the default model for today's writers on a CPU: the modern prose of
# shared/data/modern and the 15 Gutenberg training books, hard-wrapped books unwrapped,
# with a new 8,000-piece tokenizer trained on that mix. The split is
# scripts/modern_split.sh; the test files are never read here.
#
#   scripts/train_modern.sh [DATA_DIR]     # train from scratch, then install
#   scripts/train_modern.sh --resume       # continue an interrupted run, then install
#
# 2 x 640 (embedding 640, tied): the widest that fits the 25 MB bundle with 8,000
# pieces. 20,000 steps of 32 x 64 tokens (about 2.4 passes over 17M tokens of
# training text) take about seven hours on one core of a Xeon with AVX-512 and AMX
# (2,600 tokens/s in bf16-output precision); Ctrl+C, or the end of a session, keeps a
# checkpoint, and --resume goes on from it. LSTM_TUI_THREADS sets torch's threads
# (default: all cores); LSTM_TUI sets the command (default: lstm-tui);
# LSTM_TUI_EVENTS=jsonl logs one JSON object per event instead of the progress bar;
# LSTM_TUI_BUDGET replaces the budget (say "--minutes 115" for a run that must end
# within a working session: the learning rate then decays over that time instead).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/modern_split.sh"
name=modern-w640
read -r -a lstm <<< "${LSTM_TUI:-lstm-tui}"
budget=(${LSTM_TUI_BUDGET:---steps 20000})
threads=(${LSTM_TUI_THREADS:+--threads "$LSTM_TUI_THREADS"} ${LSTM_TUI_EVENTS:+--events "$LSTM_TUI_EVENTS"})

if [[ "${1:-}" == "--resume" ]]; then
    "${lstm[@]}" train --name "$name" --resume "${threads[@]}"
else
    modern_split "${1:-$here/../shared/data}"
    "${lstm[@]}" train "${split[@]}" --name "$name" \
        --vocab-size 8000 --embed-dim 640 --hidden-dim 640 --layers 2 --dropout 0.1 \
        --batch-size 32 --seq-len 64 --lr 5e-3 --warmup-steps 300 "${budget[@]}" --ema 0.999 \
        --eval-every 2000 --val-max-tokens 600000 "${threads[@]}"
fi
"$here/scripts/install_default.sh" "$name"
