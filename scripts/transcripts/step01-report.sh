#!/usr/bin/env bash
# The JSON report (Gradescope's results.json fields) that a grading run writes, here for
# a tree whose exercise 1.4 is not done (as in step01-check-partial.sh).
# Shown in book/src/how-to-use.md ("The instructor's view").
source "$(dirname "$0")/lib.sh"

tree=$(mktemp -d -t ipc-course-XXXXXX)
trap 'rm -rf "$tree"' EXIT
export GRADE_TARGET_DIR="$PWD/target/transcripts"
report="$tree/report/step01.json"

# Grade quietly (step01-check-partial.sh shows this run's output), then show the report.
cargo xtask mutant 1.4 "$tree" >/dev/null
GRADE_IMPL="$tree" GRADE_REPORT="$report" cargo test --quiet --test step01 >/dev/null 2>&1
echo '$ cat target/grades/step01.json'
cat "$report"
