#!/usr/bin/env bash
# The user guide's errors of ipc-chat, each in the situation that causes it: no room, no
# server, no log, a bad name, a taken name, a second server, lines the client refuses,
# a private line to nobody, a member who stopped reading, a server that does not answer
# (stopped with SIGSTOP: a join gives up, a piped client's lines do not come back in
# time), a server killed with SIGKILL (its member, `who`, a new client), a file in the
# room that is not a chat log, and a log with garbage after its records. Pids, ids and
# times change from run to run. Shown in book/src/user-guide.md ("When something goes
# wrong").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step07-ipc-chat
step05_private_tmp

members=()
other=""
cleanup() {
    for pid in "${members[@]}"; do kill -CONT "$pid" 2>/dev/null; kill -TERM "$pid" 2>/dev/null; done
    [ -n "$server" ] && kill -CONT "$server" 2>/dev/null
    if [ -n "$server" ]; then
        kill -INT "$server" 2>/dev/null && wait "$server" 2>/dev/null
        server=""
    fi
    for dir in "$room" "$other"; do
        if [ -n "$dir" ]; then
            ipc-chat cleanup --room "$dir" >/dev/null 2>&1
            rm -rf "$dir"
        fi
    done
    step04_remove_private_tmp
}
trap cleanup EXIT

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
echo "# no room, no server, no history yet"
run 'ipc-chat client --room /tmp/nowhere --name alice; echo "exit status $?"'
run 'other=$(mktemp -d -t chat-XXXXXX)'
run 'ipc-chat client --room "$other" --name alice; echo "exit status $?"'
run 'ipc-chat who --room "$other"; echo "exit status $?"'
run 'ipc-chat log --room "$other"; echo "exit status $?"'
echo "# names"
run 'ipc-chat client --room "$other" --name "alice smith"; echo "exit status $?"'
run 'ipc-chat client --room "$other" --name alice_in_wonderland; echo "exit status $?"'

echo "# a room with a server, and alice in it"
run 'room=$(mktemp -d -t chat-XXXXXX)'
run 'ipc-chat server --room "$room" 2> "$room/server.log" &'
server=$!
step04_wait_for "$room/server.log" "serving room" || exit 1
run 'server=$!'
run 'mkfifo "$room/alice.in"; exec 3<> "$room/alice.in"'
run 'ipc-chat client --room "$room" --name alice < "$room/alice.in" > "$room/alice.txt" 2>&1 &'
members+=($!)
step04_wait_for "$room/alice.txt" "* alice joined" || exit 1
run 'alice=$!'
run 'ipc-chat server --room "$room"; echo "exit status $?"'
run 'echo hi | ipc-chat client --room "$room" --name alice; echo "exit status $?"'
echo "# lines the client refuses before sending anything, and a private line to nobody"
run 'printf "%0473d\n" 0 | ipc-chat client --room "$room" --name bob > /dev/null'
run 'printf "a bell\a\n" | ipc-chat client --room "$room" --name bob > /dev/null'
run 'printf "caf\xe9\n" | ipc-chat client --room "$room" --name bob > /dev/null'
echo "# bob stays in the room too, to read the answers to what he sends"
run 'mkfifo "$room/bob.in"; exec 4<> "$room/bob.in"'
run 'ipc-chat client --room "$room" --name bob < "$room/bob.in" > "$room/bob.txt" 2>&1 &'
members+=($!)
step04_wait_for "$room/bob.txt" "* bob joined" || exit 1
run 'printf "/mgs alice hi\n/msg alice\n/msg carol are you there?\n" >&4'
step04_wait_for "$room/bob.txt" "carol is not in the room" || exit 1
run 'grep -v "^\[" "$room/bob.txt"'
echo "# alice stops reading (as Ctrl-Z would): private lines to her pile up, up to 4 KiB"
run 'kill -STOP $alice'
run 'text=$(printf "%0400d" 0); for i in $(seq 12); do echo "/msg alice $text" >&4; done'
for _ in $(seq 200); do
    [ "$(grep -c "is not reading" "$room/bob.txt")" -ge 3 ] && break
    sleep 0.05
done
run 'grep "not reading" "$room/bob.txt"'
run 'kill -CONT $alice'

echo "# the server stops answering (stopped, as Ctrl-Z or a debugger would)"
run 'kill -STOP $server'
run 'echo hi | ipc-chat client --room "$room" --name carol; echo "exit status $?"'
run 'kill -CONT $server'
run '{ sleep 1; echo "line one"; echo "line two"; } | ipc-chat client --room "$room" --name carol > "$room/carol.txt" 2>&1 & carol=$!'
step04_wait_for "$room/carol.txt" "* carol joined" || exit 1
run 'kill -STOP $server; wait $carol; echo "exit status $?"; cat "$room/carol.txt"'
run 'kill -CONT $server; sleep 0.5; ipc-chat log --room "$room" -n 3'

echo "# the server is killed: it cannot say goodbye or remove anything"
run 'kill -KILL $server; wait $server 2> /dev/null; sleep 1.5'
server=""
run 'wait $alice; echo "alice: exit status $?"; tail -n 1 "$room/alice.txt"'
run 'tail -n 1 "$room/bob.txt"'
members=()
run 'ipc-chat who --room "$room"; echo "exit status $?"'
run 'echo hi | ipc-chat client --room "$room" --name dave; echo "exit status $?"'
run 'ipc-chat cleanup --room "$room"'

echo "# files in the room that are not a chat log, or not only one"
run 'echo "my notes" > "$other/chat.log"'
run 'ipc-chat server --room "$other"; echo "exit status $?"'
echo "# while no server runs, something appends to the room's log"
run 'printf "garbage" >> "$room/chat.log"'
run 'ipc-chat log --room "$room" -n 1'
run 'ipc-chat server --room "$room" 2> "$room/server.log" &'
server=$!
step04_wait_for "$room/server.log" "serving room" || exit 1
run 'server=$!; cat "$room/server.log"'
run 'ipc-chat log --room "$room" -n 1'
run 'kill -INT $server; wait $server; echo "exit status $?"'
server=""
