#!/usr/bin/env bash
# Step 3: the same layouts drawn as maps of 8-byte rows, from `step03-codec layout` (so the
# offsets in the book's diagrams come from the compiler). Shown in
# book/src/step03-architecture.md ("Memory layouts").
source "$(dirname "$0")/lib.sh"
build_solutions step03-protocol

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'step03-codec layout | awk -f scripts/transcripts/step03-layout-map.awk'
