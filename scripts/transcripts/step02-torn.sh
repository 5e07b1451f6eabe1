#!/usr/bin/env bash
# Torn reads: a reader polls the mailbox while a writer publishes 20000 self-checking
# messages, first through the seqlock (Mailbox::read), then without it
# (Mailbox::read_without_seqlock). The counts change from run to run. Shown in
# book/src/step02-shared-memory.md.
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
build_solutions step02-shared-memory

room=""
cleanup() {
    wait 2>/dev/null
    [ -n "$room" ] || return 0
    solutions/target/debug/step02-shm rm --path "$room" >/dev/null 2>&1
    rm -rf "$room"
}
trap cleanup EXIT

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'room=$(mktemp -d -t ipc-course-XXXXXX)'
run 'step02-shm create --path "$room" --size 4096'
run 'step02-msg check --path "$room" --until 20000 > "$room/checked" 2>&1 &'
sleep 0.2
run 'step02-msg flood --path "$room" --count 20000'
run 'wait; cat "$room/checked"'
run 'step02-shm rm --path "$room" && step02-shm create --path "$room" --size 4096'
run 'step02-msg check --path "$room" --until 20000 --no-seqlock > "$room/checked" 2>&1 &'
sleep 0.2
run 'step02-msg flood --path "$room" --count 20000'
run 'wait; cat "$room/checked"'
run 'step02-shm rm --path "$room"'
run 'rm -r "$room"'
room=""
