#!/usr/bin/env bash
# Step 6: the presence table in the room's segment, as chapter 3 laid it out: a 64-byte
# header (online at offset 28), then 32-byte slots (pid, name_len, padding, 16 bytes of
# name, joined_ms). step06-who reads it under the room's lock, without a word to the server,
# which is stopped at the time. A leave stores pid = 0 and leaves the name's bytes; the next
# join takes the first free slot. Shown in book/src/step06-integrated-chat.md ("The
# presence table").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step06-integrated-chat step02-shared-memory
step05_private_tmp

clients=()
cleanup() {
    for pid in "${clients[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    [ -n "$server" ] && kill -CONT "$server" 2>/dev/null
    step05_room_cleanup
}
trap cleanup EXIT

step05_start_in_new_room step06-server
echo "# alice, bob and carol stay in the room: their stdin are FIFOs that this shell keeps open"
run 'for name in alice bob carol; do mkfifo "$room/$name.in"; done; exec 3<> "$room/alice.in" 4<> "$room/bob.in" 5<> "$room/carol.in"'
run 'step06-client --room "$room" --name alice < "$room/alice.in" > "$room/alice.txt" 2>&1 &'
clients+=($!)
step04_wait_for "$room/alice.txt" "* alice joined" || exit 1
run 'step06-client --room "$room" --name bob < "$room/bob.in" > "$room/bob.txt" 2>&1 &'
clients+=($!)
step04_wait_for "$room/bob.txt" "* bob joined" || exit 1
run 'step06-who --room "$room"'
echo "# the header (64 bytes: online is the 4 bytes at 28), then slots 0 and 1 (32 bytes each)"
run 'step02-shm dump --path "$room" --proj-id 77 --bytes 128'
run 'kill -STOP $server; step06-who --room "$room"; kill -CONT $server'
run 'echo /quit >&4; sleep 0.5'
echo "# bob's slot: pid 0 (free), his name's bytes still there; online is 1"
run 'step02-shm dump --path "$room" --proj-id 77 --bytes 128'
run 'step06-client --room "$room" --name carol < "$room/carol.in" > "$room/carol.txt" 2>&1 &'
clients+=($!)
step04_wait_for "$room/carol.txt" "* carol joined" || exit 1
echo "# carol takes the first free slot, bob's old one"
run 'step02-shm dump --path "$room" --proj-id 77 --bytes 128'
run 'step06-who --room "$room"'
