#!/usr/bin/env bash
# Step 7: the futex calls of a server and a client, seen through strace (-f: every thread,
# -r: the time since the previous call). alice's watcher thread sleeps in FUTEX_WAIT on
# header.wake, in the room's segment (byte 24 of the SYSV mapping in /proc/PID/maps), with
# a timeout of about a second: ETIMEDOUT once a second while nobody speaks, then woken (0)
# by the server's FUTEX_WAKE when bob joins; its other futexes are the _PRIVATE ones of
# the channel to the client's main thread. The server wakes every sleeper (2147483647 =
# i32::MAX) after each publication, and the call returns how many it woke. Pids and
# addresses change from run to run. Shown in book/src/step07-no-polling.md ("Futexes").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step07-ipc-chat
step05_private_tmp

# strace does not pass a SIGINT on to the program it runs: signals go to the program itself.
tracer=""
cleanup() {
    [ -n "$tracer" ] && echo /quit >&3 2>/dev/null && wait "$tracer" 2>/dev/null
    if [ -n "$server" ]; then
        kill -INT "$(pgrep -P "$server")" 2>/dev/null
        wait "$server" 2>/dev/null
        server=""
    fi
    step05_room_cleanup
}
trap cleanup EXIT

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'room=$(mktemp -d -t chat-XXXXXX); mkfifo "$room/alice.in"; exec 3<> "$room/alice.in"'
run 'strace -f -qq -e trace=futex -o "$room/server.strace" ipc-chat server --room "$room" 2> "$room/server.log" &'
server=$!
step04_wait_for "$room/server.log" "serving room" || exit 1
run 'server=$!'
run 'strace -f -qq -r -e trace=futex -o "$room/alice.strace" ipc-chat client --room "$room" --name alice < "$room/alice.in" > "$room/alice.txt" 2>&1 & tracer=$!'
tracer=$!
step04_wait_for "$room/alice.txt" "* alice joined" || exit 1
run 'alice=$(pgrep -P $tracer); grep SYSV /proc/$alice/maps'
echo "# nobody speaks for three seconds, then bob says one line"
run 'sleep 3; echo "hello alice" | ipc-chat client --room "$room" --name bob > /dev/null 2>&1'
step04_wait_for "$room/alice.txt" "* bob left" || exit 1
run 'echo /quit >&3; wait $tracer'
tracer=""
echo "# the first calls: the main thread waits on its channel (private), the watcher on header.wake"
run 'head -n 8 "$room/alice.strace"'
echo "# every wait of the watcher on header.wake: the value it expects is the count of publications"
run 'grep -F "FUTEX_WAIT," "$room/alice.strace"'
echo "# the server's non-private wake-ups, one per publication: alice's join, bob's join, his line, his leave, alice's leave"
run 'kill -INT $(pgrep -P $server); wait $server; grep -F "FUTEX_WAKE, 2147483647" "$room/server.strace"'
server=""
