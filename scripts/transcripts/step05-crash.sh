#!/usr/bin/env bash
# Step 5: the history survives a SIGKILL. alice and bob talk, the server is killed; the log
# is whole (step05-log reads it without a server). Step 5 does not take over a dead server's
# IPC objects (step 6 does): a new server reads the history, then refuses the leftovers and
# says how to remove them. Once `make clean-ipc ROOM=...` has removed them (the room is not
# an ipc-course-* directory, so the command leaves the directory and its log alone), the new
# server puts the history back into the ring and numbering goes on. Shown in
# book/src/step05-mmap-log.md ("Running it by hand").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step05-mmap-log
step05_private_tmp

step05_room_cleanup_on_exit

step05_start_in_new_room
run 'printf "hello\nis anyone keeping notes?\n" | step05-client --room "$room" --name alice > /dev/null'
run 'echo "the log is" | step05-client --room "$room" --name bob > /dev/null'
run 'kill -KILL $server; wait $server 2> /dev/null'
server=""
run 'cat "$room/server.log"'
run 'ls "$room"'
echo "# no server: step05-log reads the file itself"
run 'step05-log --room "$room"'
run 'step05-server --room "$room"; echo "exit status $?"'
run 'make --no-print-directory clean-ipc ROOM="$room"'
run 'ls "$room"'
run 'step05-server --room "$room" 2> "$room/server.log" &'
server=$!
step04_wait_for "$room/server.log" "serving room" || exit 1
run 'server=$!'
run 'echo "what did I miss?" | step05-client --room "$room" --name carol'
run 'step05-log --room "$room" --last 3'
run 'kill -INT $server; wait $server; cat "$room/server.log"'
server=""
