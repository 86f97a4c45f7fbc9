#!/usr/bin/env bash
# A small, CPU-sized stand-in for the default model's regime (a model that sees its
# text many times), for comparing regularisers before a GPU sweep.
#
#   scripts/regularisation_proxy.sh [STEPS] [DATA_DIR]
#
# 2 x 256 tied LSTM on two Gutenberg books (Agnes Grey, The Professor: 245k tokens
# with the shipped tokenizer), batch 32 x 64, one thread; STEPS (default 1200) is
# about ten passes. Validation: the first 40,000 tokens of Sense and Sensibility, four
# times a run. Wuthering Heights, the test book, is not read. Two runs at a time, each
# pinned to a core when taskset is there; prints one JSON line per run with its best
# validation bits per byte. LSTM_TUI sets the command (default: lstm-tui).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
steps="${1:-1200}"
data="${2:-$here/../shared/data/gutenberg}"
read -r -a lstm <<< "${LSTM_TUI:-lstm-tui}"
out="${TMPDIR:-/tmp}/lstm-tui-proxy"
mkdir -p "$out"

runs=(
    "d30         --dropout 0.3"
    "d50         --dropout 0.5"
    "d30-wd30    --dropout 0.3 --weight-drop 0.3"
    "d30-ed10    --dropout 0.3 --embed-drop 0.1"
    "d30-ed20    --dropout 0.3 --embed-drop 0.2"
    "d40-ed10    --dropout 0.4 --embed-drop 0.1"
    "d30-ed10-wd30 --dropout 0.3 --embed-drop 0.1 --weight-drop 0.3"
)

one() {  # CORE NAME OPTIONS...
    local core="$1" name="$2"
    shift 2
    local pin=()
    command -v taskset > /dev/null && pin=(taskset -c "$core")
    "${pin[@]}" "${lstm[@]}" train "$data/agnes_grey.txt" "$data/the_professor.txt" \
        --val "$data/sense_and_sensibility.txt" --val-max-tokens 40000 \
        --tokenizer "$here/models/default/tokenizer.model" --name "proxy-$name" --output "$out/$name" --force \
        --hidden-dim 256 --batch-size 32 --seq-len 64 --threads 1 --steps "$steps" \
        --eval-every $((steps / 4)) --events jsonl "$@" > "$out/$name.jsonl" 2> "$out/$name.err" \
        || { echo "{\"run\": \"$name\", \"error\": \"see $out/$name.err\"}"; return; }
    grep '"event": "done"' "$out/$name.jsonl" | python3 -c \
        'import json,sys; d=json.loads(sys.stdin.read()); print(json.dumps({"run": sys.argv[1], "options": sys.argv[2], "best_bpb": round(d["best_bpb"], 4), "seconds": d["seconds"]}))' \
        "$name" "$*"
}

for ((i = 0; i < ${#runs[@]}; i += 2)); do
    read -r -a a <<< "${runs[i]}"
    one 0 "${a[@]}" &
    if ((i + 1 < ${#runs[@]})); then
        read -r -a b <<< "${runs[i + 1]}"
        one 1 "${b[@]}" &
    fi
    wait
done
