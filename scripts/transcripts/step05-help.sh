#!/usr/bin/env bash
# The options of step 5's binaries (the client's are step 4's). Shown in
# book/src/step05-mmap-log.md.
source "$(dirname "$0")/lib.sh"
build_solutions step05-mmap-log

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'step05-server --help'
run 'step05-log --help'
