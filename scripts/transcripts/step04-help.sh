#!/usr/bin/env bash
# The options of step 4's binaries. Shown in book/src/step04-chat.md.
source "$(dirname "$0")/lib.sh"
build_solutions step04-chat

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'step04-server --help'
run 'step04-client --help'
