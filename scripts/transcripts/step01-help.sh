#!/usr/bin/env bash
# The command-line help of step 1's binaries. Shown in book/src/step01-message-queue.md.
source "$(dirname "$0")/lib.sh"
build_solutions step01-message-queue

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'step01-send --help'
run 'step01-recv --help'
run 'step01-rm --help'
