#!/usr/bin/env bash
# Step 2 by hand: a message written into a segment by one process and read by others,
# what the kernel and the bytes say, and removal. Shown in
# book/src/step02-shared-memory.md ("By hand").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
build_solutions step02-shared-memory

room=""
cleanup() {
    [ -n "$room" ] || return 0
    for proj in 2 3; do
        solutions/target/debug/step02-shm rm --path "$room" --proj-id "$proj" >/dev/null 2>&1
    done
    rm -rf "$room"
}
trap cleanup EXIT

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'room=$(mktemp -d -t ipc-course-XXXXXX)'
run 'step02-msg write --path "$room" --create "hello, shared memory"'
run 'ipcs -m'
run 'step02-msg read --path "$room"'
run 'step02-shm info --path "$room"'
run 'step02-shm dump --path "$room" --bytes 48'
run 'step02-msg write --path "$room" "bye"'
run 'step02-shm dump --path "$room" --bytes 48'
run 'step02-msg read --path "$room"'
run 'step02-shm view --path "$room" --as mailbox'
run 'step02-counter get --path "$room" --proj-id 2'
run 'step02-shm rm --path "$room"'
run 'step02-msg read --path "$room"'
run 'ipcs -m'
run 'rm -r "$room"'
