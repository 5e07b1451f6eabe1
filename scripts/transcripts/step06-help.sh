#!/usr/bin/env bash
# The options of step 6's binaries. Shown in book/src/step06-integrated-chat.md.
source "$(dirname "$0")/lib.sh"
build_solutions step06-integrated-chat

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'step06-server --help'
run 'step06-client --help'
run 'step06-who --help'
