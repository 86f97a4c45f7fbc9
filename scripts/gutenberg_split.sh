# The Gutenberg split (shared/data/README.md), sourced by the training scripts:
# Sense and Sensibility validates, Wuthering Heights is the test book and is never
# trained or tuned on, the other 15 books train.
#
#   gutenberg_split DATA_DIR    # sets split=(TRAIN_FILES... --val VALIDATION_BOOK)
gutenberg_split() {
    local f
    split=()
    for f in "$1"/*.txt; do
        case "$(basename "$f")" in
            sense_and_sensibility.txt|wuthering_heights.txt) ;;
            *) split+=("$f") ;;
        esac
    done
    split+=(--val "$1/sense_and_sensibility.txt")
}
