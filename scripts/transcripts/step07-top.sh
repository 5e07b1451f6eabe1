#!/usr/bin/env bash
# Step 7: `ipc-chat top --once`, a snapshot of a room with two members: the server and its
# "server alive" semaphore, the queue against its limit (msgctl IPC_STAT), the segment's
# attach count, the semaphores, the ring read through the sequence locks, the futex word,
# the presence table and the log. Then the server is killed with SIGKILL: top shows what
# it left under the room's keys and what a new server would make of it, and again after
# `ipc-chat cleanup`. Pids, ids and times change from run to run.
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step07-ipc-chat
step05_private_tmp

clients=()
cleanup() {
    for pid in "${clients[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    step05_room_cleanup
}
trap cleanup EXIT

step05_start_in_new_room "ipc-chat server"
echo "# alice and bob stay in the room: their stdin are FIFOs that this shell keeps open"
run 'for name in alice bob; do mkfifo "$room/$name.in"; done; exec 3<> "$room/alice.in" 4<> "$room/bob.in"'
run 'ipc-chat client --room "$room" --name alice < "$room/alice.in" > "$room/alice.txt" 2>&1 &'
clients+=($!)
step04_wait_for "$room/alice.txt" "* alice joined" || exit 1
run 'ipc-chat client --room "$room" --name bob < "$room/bob.in" > "$room/bob.txt" 2>&1 &'
clients+=($!)
step04_wait_for "$room/bob.txt" "* bob joined" || exit 1
run 'echo "hi bob, top is watching" >&3'
step04_wait_for "$room/bob.txt" "<alice> hi bob" || exit 1
run 'ipc-chat top --room "$room" --once'
echo "# the server dies without removing anything; its members notice and leave"
run 'kill -KILL $server; wait $server 2>/dev/null; sleep 1.5'
server=""
run 'ipc-chat top --room "$room" --once'
run 'ipc-chat cleanup --room "$room"'
run 'ipc-chat top --room "$room" --once'
