#!/usr/bin/env bash
# Step 1: the kernel's limits in action: a payload over msgmax is refused, a full queue
# (msgmnb bytes) blocks a sender or, with --nowait, refuses the message.
# Shown in book/src/step01-message-queue.md ("Pitfalls").
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
run 'cat /proc/sys/kernel/msgmax /proc/sys/kernel/msgmnb'
run 'head -c 8193 /dev/zero | step01-send --path "$room" --create'
run 'head -c 8192 /dev/zero | step01-send --path "$room"'
run 'head -c 8192 /dev/zero | step01-send --path "$room"'
run 'ipcs -q'
run 'step01-send --path "$room" --nowait "one byte more"'
run 'timeout 2 step01-send --path "$room" "one byte more"; echo "exit status $? (124: timeout killed it)"'
run 'step01-rm --path "$room"'
run 'rm -r "$room"'
