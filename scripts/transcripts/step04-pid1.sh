#!/usr/bin/env bash
# Step 4: pid 1 cannot be a mailbox. A client started as the first process of a new pid
# namespace (as in a container) is pid 1 and refuses to run; started from a shell there,
# it is pid 2 of that namespace, which works, but is not its pid on the host. Shown in
# book/src/step04-chat.md ("Pitfalls").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
build_solutions step04-chat
step04_private_tmp

room=""
server=""
cleanup() {
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
run 'unshare --pid --fork step04-client --room "$room" --name alice < /dev/null; echo "exit status $?"'
run 'echo "hi from a container" | unshare --pid --fork sh -c '"'"'step04-client --room "$1" --name alice; echo "exit status $?"'"'"' sh "$room"'
echo "# two \"containers\" at once: both clients are pid 2, so they share one mailbox"
run 'sleep 2 | unshare --pid --fork sh -c '"'"'step04-client --room "$1" --name alice > /dev/null'"'"' sh "$room" &'
sleep 0.5
run 'echo "me too" | unshare --pid --fork sh -c '"'"'step04-client --room "$1" --name bob; echo "exit status $?"'"'"' sh "$room"'
run 'wait %%'
run 'kill -INT $server; wait $server; grep pid "$room/server.log"'
server=""
