#!/usr/bin/env bash
# Train the default model on a CPU, in two stages, from the Gutenberg corpus.
#
#   scripts/train_default.sh [DATA_DIR]          # both stages, then install
#   scripts/train_default.sh --resume NAME       # continue an interrupted stage
#
# The split is scripts/gutenberg_split.sh: Sense and Sensibility validates, Wuthering
# Heights is the test book and is never trained or tuned on; the other 15 books train.
#
# The CPU recipe. Stage 1 trains from scratch for 100 minutes; stage 2 is a warm restart
# from stage 1's best weights (fresh AdamW, warmup, a second cosine) for 135 minutes.
# Both ran on a 2-core CPU; LSTM_TUI_THREADS sets torch's threads (default: all cores).
# It made the default model before the GPU-trained one (validation 1.562, test 1.788
# bits per byte); the shipped model now comes from scripts/train_default_gpu.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/gutenberg_split.sh"
first=gutenberg-default
second=gutenberg-2
data="$here/../shared/data/gutenberg"
threads=(${LSTM_TUI_THREADS:+--threads "$LSTM_TUI_THREADS"})

stage1() {
    lstm-tui train "${split[@]}" --name "$first" \
        --vocab-size 8000 --embed-dim 512 --hidden-dim 512 --layers 2 --dropout 0.15 \
        --batch-size 32 --seq-len 64 --lr 2e-3 --warmup-steps 200 --minutes 100 "${threads[@]}"
}

stage2() {
    lstm-tui train "${split[@]}" --name "$second" \
        --from "$first" --lr 1.5e-3 --warmup-steps 100 --minutes 135 --blend 1 "${threads[@]}"
}

if [[ "${1:-}" == "--resume" ]]; then
    run="${2:?say which run to resume: $first or $second}"
    lstm-tui train --name "$run" --resume "${threads[@]}"
    [[ "$run" == "$first" ]] && resume_first=1
else
    data="${1:-$data}"
fi
gutenberg_split "$data"
if [[ "${1:-}" != "--resume" ]]; then
    stage1
    stage2
elif [[ -n "${resume_first:-}" ]]; then
    stage2
fi

# Ship the best validation weights (half precision) inside the package.
"$here/scripts/install_default.sh" "$second"
