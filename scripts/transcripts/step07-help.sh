#!/usr/bin/env bash
# The subcommands of ipc-chat, and the options of those the chapter runs by hand. Shown in
# book/src/step07-no-polling.md ("The product: ipc-chat").
source "$(dirname "$0")/lib.sh"
build_solutions step07-ipc-chat

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'ipc-chat --help'
run 'ipc-chat client --help'
run 'ipc-chat log --help'
run 'ipc-chat stress --help'
