#!/usr/bin/env bash
# The command-line help of step 2's binaries. Shown in book/src/step02-shared-memory.md.
source "$(dirname "$0")/lib.sh"
build_solutions step02-shared-memory

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'step02-shm --help'
run 'step02-shm create --help'
run 'step02-msg --help'
run 'step02-counter --help'
run 'step02-counter run --help'
