#!/usr/bin/env bash
# The user guide's tour of ipc-chat in the default room: a server started without --room
# (its room is $XDG_RUNTIME_DIR/ipc-chat/lobby; here XDG_RUNTIME_DIR is a directory of the
# transcript's own), what the room holds, alice staying in it (her stdin is a FIFO), bob
# piping his lines and commands in, `who`, `log`, `log -n`, `log --follow`, `top --once`,
# a client's status report (SIGUSR1), the server stopped with SIGTERM (goodbye, objects
# removed, history kept), and a new server that reloads the history. Pids, ids and times
# change from run to run. Shown in book/src/user-guide.md.
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step07-ipc-chat
step05_private_tmp

runtime=""
alice=""
follower=""
cleanup() {
    [ -n "$alice" ] && kill -TERM "$alice" 2>/dev/null
    [ -n "$follower" ] && kill -INT "$follower" 2>/dev/null
    if [ -n "$server" ]; then
        kill -INT "$server" 2>/dev/null && wait "$server" 2>/dev/null
        server=""
    fi
    if [ -n "$runtime" ]; then
        ipc-chat cleanup --room "$runtime/ipc-chat/lobby" >/dev/null 2>&1
        rm -rf "$runtime"
    fi
    step04_remove_private_tmp
}
trap cleanup EXIT

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
echo "# this transcript's own runtime directory, so that the default room is a fresh one"
run 'export XDG_RUNTIME_DIR="$TMPDIR/run"; mkdir -m 700 "$XDG_RUNTIME_DIR"'
runtime="$XDG_RUNTIME_DIR"
lobby="$runtime/ipc-chat/lobby"
run 'ipc-chat server 2> "$XDG_RUNTIME_DIR/server.log" &'
server=$!
step04_wait_for "$runtime/server.log" "serving room" || exit 1
run 'server=$!; cat "$XDG_RUNTIME_DIR/server.log"'
run 'ls -la "$XDG_RUNTIME_DIR/ipc-chat/lobby"'
run 'ipcs'
echo "# alice stays in the room: her stdin is a FIFO that this shell keeps open"
run 'mkfifo "$XDG_RUNTIME_DIR/alice.in"; exec 3<> "$XDG_RUNTIME_DIR/alice.in"'
run 'ipc-chat client --name alice < "$XDG_RUNTIME_DIR/alice.in" > "$XDG_RUNTIME_DIR/alice.txt" 2>&1 &'
alice=$!
step04_wait_for "$runtime/alice.txt" "* alice joined" || exit 1
run 'alice=$!; echo "welcome, whoever comes next" >&3'
step04_wait_for "$runtime/alice.txt" "<alice> welcome" || exit 1
echo "# bob pipes his lines in: the room's lines on stdout, the client's own messages on stderr"
run 'printf "hello, lobby\n/msg alice are you there?\n//shrug\n" | ipc-chat client --name bob'
step04_wait_for "$runtime/alice.txt" "* bob left" || exit 1
run 'echo "/who" >&3; echo "/msg bob too late, he left" >&3'
step04_wait_for "$runtime/alice.txt" "bob is not in the room" || exit 1
run 'ipc-chat who'
run 'ipc-chat log'
run 'ipc-chat log -n 2'
echo "# a follower prints the history, then every new line as it is published"
run 'ipc-chat log --follow -n 1 > "$XDG_RUNTIME_DIR/follow.txt" 2>&1 & follower=$!'
follower=$!
step04_wait_for "$runtime/follow.txt" "* bob left" || exit 1
run 'echo "carol here, just passing" | ipc-chat client --name carol > /dev/null 2>&1'
step04_wait_for "$runtime/follow.txt" "* carol left" || exit 1
run 'ipc-chat top --once'
echo "# SIGUSR1 asks a client how it is doing (on its stderr)"
run 'kill -USR1 $alice'
step04_wait_for "$runtime/alice.txt" "ipc-chat: in room" || exit 1
echo "# the server is stopped with SIGTERM, as Ctrl-C (SIGINT) or SIGHUP would"
run 'kill -TERM $server; wait $server; echo "exit status $?"'
server=""
run 'wait $alice; echo "alice: exit status $?"; cat "$XDG_RUNTIME_DIR/alice.txt"'
alice=""
run 'tail -n 4 "$XDG_RUNTIME_DIR/server.log"'
# The follower notices within its one-second tick that the server is gone, and detaches.
sleep 1.5
run 'ipcs'
run 'ls "$XDG_RUNTIME_DIR/ipc-chat/lobby"'
echo "# a new server reloads the history; the follower went on with it"
run 'ipc-chat server 2> "$XDG_RUNTIME_DIR/server.log" &'
server=$!
step04_wait_for "$runtime/server.log" "serving room" || exit 1
run 'server=$!; cat "$XDG_RUNTIME_DIR/server.log"'
run 'echo "back again" | ipc-chat client --name dave'
step04_wait_for "$runtime/follow.txt" "* dave left" || exit 1
run 'kill -INT $follower; cat "$XDG_RUNTIME_DIR/follow.txt"'
follower=""
run 'kill -INT $server; wait $server; echo "exit status $?"'
server=""
