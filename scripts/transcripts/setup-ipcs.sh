#!/usr/bin/env bash
# `ipcs` and `ipcrm` on two queues made with step 1's sender, as if a program had left
# them behind. Shown in book/src/setup.md ("Looking at IPC objects: ipcs and ipcrm").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
build_solutions step01-message-queue

room=""
cleanup() {
    [ -n "$room" ] || return 0
    for proj in 1 2; do
        solutions/target/debug/step01-rm --path "$room" --proj-id "$proj" >/dev/null 2>&1
    done
    rm -rf "$room"
}
trap cleanup EXIT

# Shows a sender's command, runs it, and keeps the queue id it reports (its last word).
send_and_keep_id() {
    echo "\$ $1"
    local said
    said=$(eval "$1" 2>&1)
    echo "$said"
    last_id=${said##* }
}

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'room=$(mktemp -d -t ipc-course-XXXXXX)'
send_and_keep_id 'step01-send --path "$room" --create "left behind"'
first=$last_id
send_and_keep_id 'step01-send --path "$room" --create --proj-id 2 --mode 640 "me too"'
second=$last_id
run 'ipcs'
run 'ipcs -q -c'
run "ipcrm -q $first"
key=$(ipcs -q | awk -v id="$second" '$2 == id {print $1}')
run "ipcrm -Q $key"
run 'ipcs -q'
run "ipcrm -q $first"
run 'rm -r "$room"'
