#!/usr/bin/env bash
# What `make check-step 4` says once steps 1 to 3 are done and step 4 is untouched: the
# solutions of steps 1 to 3 next to step 4's skeleton, graded like a student's tree. (On
# the untouched skeleton every test stops at step 1's first stub instead.) Shown in
# book/src/step04-chat.md ("Check your work").
source "$(dirname "$0")/lib.sh"

tree=""
trap '[ -n "$tree" ] && rm -rf "$tree"' EXIT
# The copy is built in one target directory kept between refreshes, so that its
# dependencies are not rebuilt every time. This changes nothing in the output.
export GRADE_TARGET_DIR="$PWD/target/transcripts"

run 'tree=$(mktemp -d -t ipc-course-XXXXXX)'
run 'cp -r solutions/01-message-queue solutions/02-shared-memory solutions/03-protocol steps/04-chat solutions/Cargo.toml solutions/Cargo.lock "$tree"'
echo "\$ make check-step 4 IMPL=\"\$tree\""
# Like refresh-book-output.sh, drop make's own "make: *** ... Error" line.
make --no-print-directory check-step N=4 IMPL="$tree" 2>&1 | grep -v '^make: \*\*\*'
