#!/usr/bin/env bash
# Install a trained model from your models folder as the shipped default (models/default),
# swapping folders so an interrupted copy never leaves a half-written default behind.
#
#   scripts/install_default.sh NAME
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
name="${1:?say which model to install, e.g. gutenberg-2}"
src="$(python3 -c 'import sys; from lstm_tui import paths; print(paths.user_models_dir() / sys.argv[1])' "$name")"
[[ -f "$src/model.safetensors" ]] || { echo "$src: no model there" >&2; exit 1; }
# An earlier run stopped between its two moves: put the old default back first.
[[ ! -d "$here/models/default" && -d "$here/models/default.old" ]] && mv "$here/models/default.old" "$here/models/default"
rm -rf "$here/models/default.new" "$here/models/default.old"
cp -r "$src" "$here/models/default.new"
[[ -d "$here/models/default" ]] && mv "$here/models/default" "$here/models/default.old"
mv "$here/models/default.new" "$here/models/default"
rm -rf "$here/models/default.old"
echo "installed $src as models/default; measure it on the test book, then write its card:"
echo "  lstm-tui eval --json ../shared/data/gutenberg/wuthering_heights.txt > eval.json"
echo "  python bench/generation.py > bench.json"
echo "  python scripts/model_card.py --eval eval.json --bench bench.json"
