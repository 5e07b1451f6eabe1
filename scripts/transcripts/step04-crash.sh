#!/usr/bin/env bash
# Step 4: a server killed with SIGKILL leaves its three objects behind. A client that is in
# the room notices (the server's SEM_UNDO "alive" semaphore drops to 0) and exits; a new
# server refuses the objects and says how to remove them; a new client says the server is
# not running; `make clean-ipc ROOM=DIR` removes all three at once. Shown in
# book/src/step04-chat.md ("Pitfalls").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
build_solutions step04-chat
step04_private_tmp

room=""
server=""
carol=""
cleanup() {
    [ -n "$carol" ] && kill -KILL "$carol" 2>/dev/null
    [ -n "$server" ] && kill -INT "$server" 2>/dev/null && wait "$server" 2>/dev/null
    step04_remove_room_objects "$room"
    [ -n "$room" ] && rm -rf "$room"
    step04_remove_private_tmp
}
trap cleanup EXIT

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'room=$(mktemp -d -t ipc-course-XXXXXX)'
run 'step04-server --room "$room" 2> "$room/server.log" &'
server=$!
step04_wait_for "$room/server.log" "serving room" || exit 1
run 'server=$!'
run 'echo "hello before the crash" | step04-client --room "$room" --name alice > /dev/null'
echo "# carol stays in the room: her stdin is a FIFO that this shell keeps open, as a terminal would be"
run 'mkfifo "$room/carol.in"; exec 3<> "$room/carol.in"'
run 'step04-client --room "$room" --name carol < "$room/carol.in" > "$room/carol.txt" 2>&1 &'
carol=$!
step04_wait_for "$room/carol.txt" "* carol joined" || exit 1
run 'carol=$!'
run 'kill -KILL $server; wait $server 2> /dev/null'
server=""
run 'time wait $carol; echo "carol exit status $?"; cat "$room/carol.txt"'
carol=""
run 'exec 3<&-; rm "$room/carol.in"'
run 'ipcs'
run 'ipcs -s -i 0 | grep -A 2 semnum'
run 'step04-server --room "$room"; echo "exit status $?"'
run 'echo "hello?" | step04-client --room "$room" --name bob; echo "exit status $?"'
key=$(ipcs -m | awk '/^0x4d/ {print $1; exit}')
run "ipcrm -M $key"
run 'step04-server --room "$room"; echo "exit status $?"'
run 'make --no-print-directory clean-ipc ROOM="$room"'
run 'ipcs'
run 'timeout --preserve-status -s INT 1 step04-server --room "$room"; echo "exit status $?"'
