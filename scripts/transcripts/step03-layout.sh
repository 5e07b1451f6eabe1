#!/usr/bin/env bash
# Step 3: the shared-memory and log-file layouts as the compiler laid them out (sizes and
# offsets in bytes). Shown in book/src/step03-architecture.md ("Memory layouts").
source "$(dirname "$0")/lib.sh"
build_solutions step03-protocol

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'step03-codec layout'
