#!/usr/bin/env bash
# Step 7: a session with the product's tools. alice and bob stay in the room (their stdin
# are FIFOs), `ipc-chat log --follow` prints every line as it comes, `ipc-chat who` reads
# the presence table; then the server is killed with SIGKILL: its members say so, `who`
# refuses the dead room, `ipcs` shows what was left, `ipc-chat cleanup` removes it (and
# refuses a live server's objects later), and the follower goes on with the next server.
# Pids, ids and times change from run to run. Shown in book/src/step07-no-polling.md
# ("The product: ipc-chat").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step07-ipc-chat
step05_private_tmp

clients=()
follower=""
cleanup() {
    for pid in "${clients[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    [ -n "$follower" ] && kill -INT "$follower" 2>/dev/null
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
echo "# a follower: the history, then every new line as the server publishes it"
run 'ipc-chat log --follow --room "$room" > "$room/follow.txt" 2>&1 & follower=$!'
step04_wait_for "$room/follow.txt" "* bob joined" || exit 1
run 'echo "hi bob" >&3'
step04_wait_for "$room/bob.txt" "<alice> hi bob" || exit 1
run 'echo "hi alice: the futex woke me" >&4'
step04_wait_for "$room/alice.txt" "<bob> hi alice" || exit 1
run 'ipc-chat who --room "$room"'
run 'echo "/msg bob a private line, never in the log" >&3'
step04_wait_for "$room/bob.txt" "a private line" || exit 1
run 'echo "carol was here" | ipc-chat client --room "$room" --name carol'
step04_wait_for "$room/follow.txt" "* carol left" || exit 1
echo "# the server dies without removing anything; alice and bob notice within a second"
run 'kill -KILL $server; wait $server 2> /dev/null; sleep 1.5'
server=""
run 'cat "$room/alice.txt"'
run 'ipc-chat who --room "$room"; echo "exit status $?"'
run 'ipcs'
run 'ipc-chat cleanup --room "$room"'
run 'ipcs'
run 'ipc-chat cleanup --room "$room"'
echo "# a new server in the same room; cleanup refuses its objects"
run 'ipc-chat server --room "$room" 2> "$room/server.log" &'
server=$!
step04_wait_for "$room/server.log" "serving room" || exit 1
run 'server=$!'
run 'ipc-chat cleanup --room "$room"; echo "exit status $?"'
run 'echo "back again" | ipc-chat client --room "$room" --name dave'
step04_wait_for "$room/follow.txt" "* dave left" || exit 1
echo "# the follower saw everything, across the restart (and never the private line)"
run 'kill -INT $follower; cat "$room/follow.txt"'
follower=""
