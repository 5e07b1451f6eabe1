#!/usr/bin/env bash
# Step 7: a reader that falls behind the ring. bob is stopped (SIGSTOP, as Ctrl-Z does)
# while alice sends 700 lines, more than the ring's 256: alice is not held up, and when bob
# continues, the entries the ring no longer holds come from the log, so he prints all 700,
# in order. The same with step 6's server and client: alice is paced by step 4's flow
# control, and bob can only say how many lines he lost. Pids and times change from run to
# run. Shown in book/src/step07-no-polling.md ("Backfill from the log").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step07-ipc-chat step06-integrated-chat
step05_private_tmp

bob=""
cleanup() {
    [ -n "$bob" ] && kill -CONT "$bob" 2>/dev/null && kill -TERM "$bob" 2>/dev/null
    step05_room_cleanup
}
trap cleanup EXIT

# The room of $1 with bob stopped in it while alice sends 700 lines with client $2.
lines_past_a_stopped_bob() {
    run 'mkfifo "$room/bob.in"; exec 3<> "$room/bob.in"'
    run "$1"' --room "$room" --name bob < "$room/bob.in" > "$room/bob.txt" 2>&1 & bob=$!'
    bob=$!
    step04_wait_for "$room/bob.txt" "* bob joined" || exit 1
    run 'kill -STOP $bob'
    run 'time (seq 0 699 | sed "s/^/line /" | '"$1"' --room "$room" --name alice > /dev/null)'
    run 'kill -CONT $bob; sleep 1; echo /quit >&3; wait $bob'
    bob=""
    run 'grep -c "<alice>" "$room/bob.txt"; grep -v "<alice> line [0-9]*$" "$room/bob.txt"'
    run 'grep "<alice>" "$room/bob.txt" | sed -n "1p;\$p"'
}

step05_start_in_new_room "ipc-chat server"
lines_past_a_stopped_bob "ipc-chat client"
run 'kill -INT $server; wait $server'
server=""
echo "# the same with step 6's server and client"
run 'rm -rf "$room"; room=$(mktemp -d -t chat-XXXXXX)'
run 'step06-server --room "$room" 2> "$room/server.log" &'
server=$!
step04_wait_for "$room/server.log" "serving room" || exit 1
run 'server=$!'
lines_past_a_stopped_bob "step06-client"
