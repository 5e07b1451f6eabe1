#!/usr/bin/env bash
# Regenerates the real program output that the book shows, into book/src/generated/:
#
#   stepNN-check-skeleton.txt   `make check-step N` on the untouched skeleton
#   stepNN-check-solutions.txt  `make check-step N IMPL=solutions`
#   NAME.txt                    the output of scripts/transcripts/NAME.sh (demos, races...):
#                               stepNN-*.sh with step N, the others (setup-*.sh ...) always
#
# Usage: scripts/refresh-book-output.sh [STEP...]   (default: every step with a grader)
# Absolute paths are replaced by paths relative to the repository, and thread ids and
# timings are blanked (test times; "gave up after 3.001035011s" keeps its whole seconds), so
# the files change only when the output really does.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=book/src/generated
mkdir -p "$out"
steps=("$@")
if [ ${#steps[@]} -eq 0 ]; then
    for f in tests/step[0-9][0-9].rs; do steps+=("$(basename "$f" .rs | sed 's/step0*//')"); done
fi

tidy() {
    sed -e "s|$root/||g" -e "s|$root|.|g" \
        -e "s/thread 'main' ([0-9]*)/thread 'main'/g" \
        -e 's/finished in [0-9.]*s/finished in 0.00s/' \
        -e 's/gave up after \([0-9][0-9]*\)\.[0-9]*s /gave up after \1s /g' \
        -e 's|/tmp/ipc-course-[A-Za-z0-9-]*|/tmp/ipc-course-XXXXXX|g'
}

# Runs scripts/transcripts/NAME.sh into $out/NAME.txt.
transcript() {
    local script="$1" name
    name=$(basename "$script" .sh)
    bash "$script" 2>&1 | tidy > "$out/$name.txt"
}

cargo build --quiet --tests >/dev/null 2>&1 || true
for n in "${steps[@]}"; do
    nn=$(printf '%02d' "$n")
    echo "step $n: make check-step $n (skeleton and solutions)"
    { echo "\$ make check-step $n"; make --no-print-directory check-step N="$n" 2>&1; } \
        | grep -v '^make: \*\*\*' | tidy > "$out/step$nn-check-skeleton.txt"
    { echo "\$ make check-step $n IMPL=solutions"; make --no-print-directory check-step N="$n" IMPL=solutions 2>&1; } \
        | tidy > "$out/step$nn-check-solutions.txt"
    for script in scripts/transcripts/step"$nn"*.sh; do
        [ -e "$script" ] || continue
        echo "step $n: $script"
        transcript "$script"
    done
done
# Transcripts of no particular step (the setup chapter's...); lib.sh is their helper.
for script in scripts/transcripts/*.sh; do
    case "$(basename "$script")" in step[0-9][0-9]* | lib.sh) continue ;; esac
    echo "book: $script"
    transcript "$script"
done
