#!/usr/bin/env bash
# The built-in help of ipc-chat and of the subcommands a user runs (server, client, log,
# who, cleanup, top). Shown in book/src/user-guide.md ("Installing").
source "$(dirname "$0")/lib.sh"
build_solutions step07-ipc-chat

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'ipc-chat --help'
for command in server client log who cleanup top; do
    run "ipc-chat $command --help"
done
