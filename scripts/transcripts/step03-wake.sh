#!/usr/bin/env bash
# Step 3: why the server's wake-up message (an empty message of mtype 1) still fits in a
# queue that is full: msgsnd counts bytes, and an empty message adds none (only the count of
# messages, capped at msgmnb, limits it). Uses step 1's binaries on a throwaway queue.
# Shown in book/src/step03-architecture.md ("Waking the server").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
build_solutions step01-message-queue

room=""
cleanup() {
    [ -n "$room" ] || return 0
    solutions/target/debug/step01-rm --path "$room" >/dev/null 2>&1
    rm -rf "$room"
}
trap cleanup EXIT

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'room=$(mktemp -d -t ipc-course-XXXXXX)'
run 'reply=$(printf "%0512d" 0)'
run 'step01-send --path "$room" --create --type 4242 "$reply"'
run 'while step01-send --path "$room" --type 4242 --nowait "$reply" 2> /dev/null; do :; done'
run 'ipcs -q'
run 'step01-send --path "$room" --type 1 --nowait "x"'
run 'step01-send --path "$room" --type 1 --nowait ""'
run 'ipcs -q'
