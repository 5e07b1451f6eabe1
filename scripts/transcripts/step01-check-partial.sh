#!/usr/bin/env bash
# The grader's output when some exercises pass and one does not: a copy of the solutions
# with exercise 1.4 put back to its stub (`cargo xtask mutant`), graded like a student's
# tree. Shown in book/src/how-to-use.md and book/src/step01-message-queue.md.
source "$(dirname "$0")/lib.sh"

# The copy is built in one target directory kept between refreshes, so that its
# dependencies are not rebuilt every time. This changes nothing in the output.
export GRADE_TARGET_DIR="$PWD/target/transcripts"

run 'tree=$(mktemp -d -t ipc-course-XXXXXX)'
trap 'rm -rf "$tree"' EXIT
run 'cargo xtask mutant 1.4 "$tree"'
echo "\$ make check-step 1 IMPL=\"\$tree\""
# Like refresh-book-output.sh, drop make's own "make: *** ... Error" line.
make --no-print-directory check-step N=1 IMPL="$tree" 2>&1 | grep -v '^make: \*\*\*'
