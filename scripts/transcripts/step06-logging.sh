#!/usr/bin/env bash
# Step 6: the server's log at RUST_LOG=debug (every request, each wake-up of the ticker,
# private lines by size and recipient only), the same session at RUST_LOG=trace (the text
# of private lines as well), debug for one module only (a killed member's drained mailbox),
# and the one-line errors of the client and of
# step06-who. Pids and times change from run to run. Shown in
# book/src/step06-integrated-chat.md ("Logging").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step06-integrated-chat
step05_private_tmp

room=""
server=""
bob=""
cleanup() {
    [ -n "$bob" ] && kill -TERM "$bob" 2>/dev/null && wait "$bob" 2>/dev/null
    [ -n "$server" ] && kill -INT "$server" 2>/dev/null && wait "$server" 2>/dev/null
    step04_remove_room_objects "$room"
    [ -n "$room" ] && rm -rf "$room"
    step04_remove_private_tmp
}
trap cleanup EXIT

# One short session: bob stays, alice says a line and a private one, then bob is stopped
# with SIGTERM (he leaves) and the server with SIGINT.
session() {
    run 'step06-server --room "$room" 2> "$room/server.log" &'
    server=$!
    step04_wait_for "$room/server.log" "serving room" || exit 1
    run 'server=$!'
    run 'step06-client --room "$room" --name bob < "$room/bob.in" > /dev/null 2>&1 & bob=$!'
    step04_wait_for "$room/server.log" "bob joined" || exit 1
    run 'printf "hello\n/msg bob psst\n" | step06-client --room "$room" --name alice > /dev/null 2>&1; sleep 1.2'
    run 'kill -TERM $bob; wait $bob; kill -INT $server; wait $server'
    bob=""
    server=""
    run 'cat "$room/server.log"'
}

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'room=$(mktemp -d -t chat-XXXXXX); mkfifo "$room/bob.in"; exec 3<> "$room/bob.in"'
run 'export RUST_LOG=debug'
session
echo "# the same at trace: now the text of the private line too"
run 'export RUST_LOG=trace'
session
echo "# debug for step 6's own module only (the drained mailbox), info elsewhere: bob stops reading, is killed"
run 'export RUST_LOG=info,step06_integrated_chat=debug'
run 'step06-server --room "$room" 2> "$room/server.log" &'
server=$!
step04_wait_for "$room/server.log" "serving room" || exit 1
run 'server=$!'
run 'step06-client --room "$room" --name bob < "$room/bob.in" > /dev/null 2>&1 & bob=$!'
step04_wait_for "$room/server.log" "bob joined" || exit 1
run 'kill -STOP $bob; printf "/msg bob one\n/msg bob two\n" | step06-client --room "$room" --name alice > /dev/null 2>&1'
run 'kill -KILL $bob; wait $bob 2> /dev/null; sleep 2; kill -INT $server; wait $server'
bob=""
server=""
run 'cat "$room/server.log"'
run 'unset RUST_LOG'
echo "# errors: one line each, naming the program"
run 'step06-who --room "$room"; echo "exit status $?"'
run 'step06-client --room "$room/nowhere" --name alice; echo "exit status $?"'
run 'step06-client --room "$room" --name "alice smith"; echo "exit status $?"'
