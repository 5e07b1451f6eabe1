#!/usr/bin/env bash
# Step 4: SEM_UNDO at work. A client takes the room's lock and keeps it (the grader's hidden
# --hold-lock-for-test option); the server blocks on its next append and a newcomer gets no
# answer. Killing the holder with SIGKILL gives the lock back: the kernel undoes its -1.
# Shown in book/src/step04-chat.md ("The semaphore as a mutex").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
build_solutions step04-chat
step04_private_tmp

room=""
server=""
holder=""
cleanup() {
    [ -n "$holder" ] && kill -KILL "$holder" 2>/dev/null
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
run 'step04-client --room "$room" --name holder --hold-lock-for-test < /dev/null 2> "$room/holder.err" &'
holder=$!
step04_wait_for "$room/holder.err" "holding the room's lock" || exit 1
run 'holder=$!; cat "$room/holder.err"'
run 'ipcs -s'
run 'ipcs -s -i 0 | grep -A 2 semnum'
run 'echo "hello?" | step04-client --room "$room" --name alice; echo "exit status $?"'
run 'ipcs -s -i 0 | grep -A 2 semnum'
run 'kill -KILL $holder; wait $holder 2> /dev/null'
holder=""
sleep 0.3
run 'ipcs -s -i 0 | grep -A 2 semnum'
run 'ipcs -q'
run 'echo "hello again" | step04-client --room "$room" --name bob'
run 'kill -INT $server; wait $server'
server=""
run 'cat "$room/server.log"'
