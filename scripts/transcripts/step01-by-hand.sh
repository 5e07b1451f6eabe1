#!/usr/bin/env bash
# Step 1 by hand: a sender, a receiver and `ipcs`, on a queue keyed from a throwaway
# directory. Shown in book/src/step01-message-queue.md ("By hand").
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
run 'step01-send --path "$room" --create "hello, queue"'
run 'step01-send --path "$room" --type 2 "for type-2 readers only"'
run 'step01-send --path "$room" --create --exclusive "a queue of my own?"; echo "exit status $?"'
run 'ipcs -q'
run 'step01-recv --path "$room" --type 2'
run 'step01-recv --path "$room"'
run 'step01-recv --path "$room" --nowait; echo "exit status $?"'
run 'step01-recv --path "$room" --count 2 > "$room/received" &'
sleep 0.5
run 'jobs'
run 'step01-send --path "$room" "one"'
run 'step01-send --path "$room" "two"'
run 'wait; cat "$room/received"'
run 'step01-rm --path "$room"'
run 'ipcs -q'
run 'step01-send --path "$room" "anyone there?"'
run 'rm -r "$room"'
