# The split of the modern default model (shared/data/modern/README.md and
# shared/data/README.md), sourced by the training scripts: the modern training files
# and the 15 Gutenberg training books train; O Pioneers!, the 18F handbook and Sense and
# Sensibility validate; Winesburg, Ohio, the Carpentries lesson and Wuthering Heights
# are the test files and are never trained or tuned on.
#
#   modern_split DATA_DIR    # DATA_DIR holds modern/ and gutenberg/;
#                            # sets split=(TRAIN_FILES... --val VALIDATION_FILES...)
modern_split() {
    local f
    split=()
    for f in "$1"/modern/*.txt "$1"/gutenberg/*.txt; do
        case "$(basename "$f")" in
            standardebooks__willa-cather_o-pioneers.txt|18f__handbook.txt|sense_and_sensibility.txt) ;;
            standardebooks__sherwood-anderson_winesburg-ohio.txt|carpentries__instructor-training.txt) ;;
            wuthering_heights.txt) ;;
            *) split+=("$f") ;;
        esac
    done
    split+=(--val "$1/modern/standardebooks__willa-cather_o-pioneers.txt" "$1/modern/18f__handbook.txt"
            "$1/gutenberg/sense_and_sensibility.txt")
}
