#!/usr/bin/env bash
# Reproduce the shipped default model (models/default) from the Gutenberg corpus.
#
#   scripts/train_default.sh [DATA_DIR] [extra lstm-tui train options]
#   scripts/train_default.sh --resume        # continue after an interruption
#
# Split (from the corpus README): Sense and Sensibility validates, Wuthering Heights
# is the test book and is never trained or tuned on; the other 15 books train.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
name="${LSTM_TUI_DEFAULT_NAME:-gutenberg-default}"
data="$here/../shared/data/gutenberg"
if [[ "${1:-}" == "--resume" ]]; then
    lstm-tui train --name "$name" --resume "${@:2}"
else
    data="${1:-$data}"
    shift || true
    train=()
    for f in "$data"/*.txt; do
        case "$(basename "$f")" in
            sense_and_sensibility.txt|wuthering_heights.txt) ;;
            *) train+=("$f") ;;
        esac
    done
    lstm-tui train "${train[@]}" --val "$data/sense_and_sensibility.txt" --name "$name" \
        --vocab-size 8000 --embed-dim 512 --hidden-dim 512 --layers 2 --dropout 0.15 \
        --batch-size 32 --seq-len 64 --lr 2e-3 --minutes "${LSTM_TUI_DEFAULT_MINUTES:-100}" "$@"
fi
# Ship the best validation weights (half precision) inside the package.
src="$(python -c "from lstm_tui import paths; print(paths.user_models_dir() / '$name')")"
rm -rf "$here/models/default.new"
cp -r "$src" "$here/models/default.new"
rm -rf "$here/models/default.old"
[[ -d "$here/models/default" ]] && mv "$here/models/default" "$here/models/default.old"
mv "$here/models/default.new" "$here/models/default"
rm -rf "$here/models/default.old"
echo "installed $src as models/default; measure it with:"
echo "  lstm-tui eval --json $data/wuthering_heights.txt"
