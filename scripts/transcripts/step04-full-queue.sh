#!/usr/bin/env bash
# Step 4: a full queue. First the server is stopped (SIGSTOP) and the queue filled: a
# client retries its join with a backoff and gives up after 5 s; continued, the server
# drops the junk as malformed and the room works again. Then a client that stops reading
# while the queue is full: the server's goodbye does not fit, is dropped and logged, and the
# server shuts down anyway. Shown in book/src/step04-chat.md ("Pitfalls").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
build_solutions step01-message-queue step04-chat
step04_private_tmp

room=""
server=""
alice=""
cleanup() {
    [ -n "$alice" ] && kill -KILL "$alice" 2>/dev/null
    [ -n "$server" ] && kill -CONT "$server" 2>/dev/null && kill -INT "$server" 2>/dev/null && wait "$server" 2>/dev/null
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
run 'server=$!; kill -STOP $server'
echo "# the room's queue has project id 'Q' = 81; fill it with type-1 junk, big messages first"
run 'for size in 8000 100 1; do while head -c $size /dev/zero | step01-send --path "$room" --proj-id 81 --nowait 2> /dev/null; do :; done; done'
run 'ipcs -q'
run 'time (echo "anyone?" | step04-client --room "$room" --name alice)'
run 'kill -CONT $server; sleep 0.5'
run 'grep -c "dropped a malformed message" "$room/server.log"; grep "dropped" "$room/server.log" | sort | uniq -c'
run 'echo "anyone?" | step04-client --room "$room" --name alice'
echo "# alice's stdin is a FIFO that this shell keeps open, as a terminal would be"
run 'mkfifo "$room/alice.in"; exec 3<> "$room/alice.in"'
run 'step04-client --room "$room" --name alice < "$room/alice.in" > "$room/alice.txt" 2>&1 &'
alice=$!
step04_wait_for "$room/alice.txt" "* alice joined" || exit 1
run 'alice=$!; kill -STOP $alice'
run 'for size in 8000 100 1; do while head -c $size /dev/zero | step01-send --path "$room" --proj-id 81 --type 4242 --nowait 2> /dev/null; do :; done; done'
run 'ipcs -q'
run 'kill -INT $server; wait $server; echo "server exit status $?"'
server=""
run 'tail -n 4 "$room/server.log"'
run 'kill -CONT $alice; wait $alice; echo "alice exit status $?"; cat "$room/alice.txt"'
alice=""
run 'exec 3<&-; ipcs -q'
