#!/usr/bin/env bash
# The lost-update race: processes incrementing one counter with a load and a store, then
# with fetch_add. The numbers change from run to run. Shown in
# book/src/step02-shared-memory.md.
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
build_solutions step02-shared-memory

room=""
cleanup() {
    [ -n "$room" ] || return 0
    solutions/target/debug/step02-shm rm --path "$room" --proj-id 3 >/dev/null 2>&1
    rm -rf "$room"
}
trap cleanup EXIT

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'room=$(mktemp -d -t ipc-course-XXXXXX)'
run 'step02-counter run --path "$room" --processes 4 --times 100000 --racy'
run 'step02-counter run --path "$room" --processes 4 --times 100000 --racy'
run 'step02-counter run --path "$room" --processes 2 --times 100000 --racy'
run 'step02-counter run --path "$room" --processes 1 --times 400000 --racy'
run 'step02-counter run --path "$room" --processes 4 --times 100000'
run 'step02-counter run --path "$room" --processes 4 --times 1000000'
run 'step02-counter add --path "$room" --create --times 1000'
run 'step02-counter add --path "$room" --times 1000 --racy'
run 'step02-counter get --path "$room"'
run 'step02-shm view --path "$room" --proj-id 3 --as counter'
run 'step02-shm rm --path "$room" --proj-id 3'
run 'ipcs -m'
run 'rm -r "$room"'
