#!/usr/bin/env bash
# The user guide's cleaning up: a server stopped with Ctrl-C (SIGINT) removes its three
# objects and keeps the room's files; a server killed with SIGKILL leaves its objects,
# which `ipc-chat top --once` shows with what a new server would make of them, and
# `ipc-chat cleanup` removes (then finds nothing to do); a new server takes a dead one's
# objects over by itself; `cleanup` refuses a room whose server runs. Ids and pids change
# from run to run. Shown in book/src/user-guide.md ("Cleaning up").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step07-ipc-chat
step05_private_tmp

cleanup() {
    if [ -n "$server" ]; then
        kill -INT "$server" 2>/dev/null && wait "$server" 2>/dev/null
        server=""
    fi
    if [ -n "$room" ]; then
        ipc-chat cleanup --room "$room" >/dev/null 2>&1
        rm -rf "$room"
    fi
    step04_remove_private_tmp
}
trap cleanup EXIT

# Starts a server in $room whose log goes to $room/server.log, and shows the command.
start_server() {
    run 'ipc-chat server --room "$room" 2> "$room/server.log" &'
    server=$!
    step04_wait_for "$room/server.log" "serving room" || exit 1
    run 'server=$!'
}

step05_start_in_new_room "ipc-chat server"
run 'echo "a line to keep" | ipc-chat client --room "$room" --name alice > /dev/null 2>&1'
run 'ipcs'
echo "# Ctrl-C (SIGINT), SIGTERM or SIGHUP: the server removes its objects and keeps the files"
run 'kill -INT $server; wait $server; echo "exit status $?"; tail -n 2 "$room/server.log"'
server=""
run 'ipcs'
run 'ls "$room"'
echo "# SIGKILL: nothing runs in the server any more, so its objects stay"
start_server
run 'kill -KILL $server; wait $server 2> /dev/null'
server=""
run 'ipcs'
run 'ipc-chat top --room "$room" --once'
run 'ipc-chat cleanup --room "$room"'
run 'ipc-chat cleanup --room "$room"'
echo "# or let the next server take them over: it removes a dead server's objects itself"
start_server
run 'kill -KILL $server; wait $server 2> /dev/null'
server=""
start_server
run 'cat "$room/server.log"'
echo "# cleanup never touches a room whose server runs"
run 'ipc-chat cleanup --room "$room"; echo "exit status $?"'
run 'kill -TERM $server; wait $server; echo "exit status $?"'
server=""
