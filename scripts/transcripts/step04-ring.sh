#!/usr/bin/env bash
# Step 4: the ring keeps the newest 256 entries. alice sends 300 lines; bob joins late and
# is told how many entries were overwritten before he could read them. The server runs with
# RUST_LOG=debug, so that its log has a line for every request (the default log shows joins,
# leaves and refusals only). Shown in book/src/step04-chat.md ("The ring").
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
run 'RUST_LOG=debug step04-server --room "$room" 2> "$room/server.log" &'
server=$!
step04_wait_for "$room/server.log" "serving room" || exit 1
run 'seq 300 | sed "s/^/line /" | step04-client --room "$room" --name alice > "$room/alice.txt"'
run 'wc -l < "$room/alice.txt"; head -n 2 "$room/alice.txt"; tail -n 2 "$room/alice.txt"'
run 'step04-client --room "$room" --name bob < /dev/null > "$room/bob.txt"'
run 'head -n 3 "$room/bob.txt"; tail -n 3 "$room/bob.txt"'
run 'grep -c "<alice>" "$room/bob.txt"'
run 'kill -INT $!; wait $!'
server=""
run 'grep -c "Say pid" "$room/server.log"; tail -n 5 "$room/server.log"'
