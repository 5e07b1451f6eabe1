#!/usr/bin/env bash
# What `make check-step 2` says once step 1 is done and step 2 is untouched: a copy of
# step 1's solution next to step 2's skeleton, graded like a student's tree. (On the
# untouched skeleton every test stops at step 1's first stub instead.) Shown in
# book/src/step02-shared-memory.md.
source "$(dirname "$0")/lib.sh"

# The copy is built in one target directory kept between refreshes, so that its
# dependencies are not rebuilt every time. This changes nothing in the output.
export GRADE_TARGET_DIR="$PWD/target/transcripts"

run 'tree=$(mktemp -d -t ipc-course-XXXXXX)'
trap 'rm -rf "$tree"' EXIT
run 'cp -r solutions/01-message-queue steps/02-shared-memory solutions/Cargo.toml solutions/Cargo.lock "$tree"'
echo "\$ make check-step 2 IMPL=\"\$tree\""
# Like refresh-book-output.sh, drop make's own "make: *** ... Error" line.
make --no-print-directory check-step N=2 IMPL="$tree" 2>&1 | grep -v '^make: \*\*\*'
