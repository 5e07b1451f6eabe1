#!/usr/bin/env bash
# IPC_RMID while processes are attached: the key goes at once, the memory at the last
# detach, and a new segment under the same key is a different one. Two `step02-shm hold`
# processes keep the segment attached; each detaches when a line arrives on its FIFO.
# Shown in book/src/step02-shared-memory.md.
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
build_solutions step02-shared-memory

room=""
cleanup() {
    exec 3>&- 4>&- 2>/dev/null
    wait 2>/dev/null
    [ -n "$room" ] || return 0
    solutions/target/debug/step02-shm rm --path "$room" >/dev/null 2>&1
    rm -rf "$room"
}
trap cleanup EXIT
# Lets a background process print before the next command is shown.
settle() { sleep 0.3; }

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'room=$(mktemp -d -t ipc-course-XXXXXX); mkfifo "$room/one" "$room/two"'
run 'step02-shm create --path "$room" --size 4096'
run 'step02-shm hold --path "$room" < "$room/one" &'
run 'exec 3> "$room/one"'
settle
run 'step02-shm hold --path "$room" --read-only < "$room/two" &'
run 'exec 4> "$room/two"'
settle
run 'ipcs -m'
run 'step02-shm rm --path "$room"'
run 'ipcs -m'
run 'step02-shm info --path "$room"'
run 'step02-shm create --path "$room" --size 64'
run 'ipcs -m'
run 'echo >&4'
settle
run 'ipcs -m'
run 'echo >&3'
settle
run 'ipcs -m'
run 'exec 3>&- 4>&-; wait'
run 'step02-shm rm --path "$room"'
run 'rm -r "$room"'
room=""
