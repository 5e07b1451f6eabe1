#!/usr/bin/env bash
# Step 6: a member that dies and is not reaped. carol's client is started by a `sh` that
# does not wait for it until it reads a line (as a parent that never waits, or an init
# that does not reap orphans, would behave). Killed, carol is a zombie: kill(pid, 0) still
# finds her, but /proc/PID/stat says Z, and the server announces her all the same. Pids
# change from run to run. Shown in book/src/step06-integrated-chat.md ("Zombies").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step06-integrated-chat
step05_private_tmp

alice=""
parent=""
cleanup() {
    [ -n "$parent" ] && echo >&4 2>/dev/null && wait "$parent" 2>/dev/null
    [ -n "$alice" ] && kill -TERM "$alice" 2>/dev/null && wait "$alice" 2>/dev/null
    step05_room_cleanup
}
trap cleanup EXIT

step05_start_in_new_room step06-server
run 'mkfifo "$room/alice.in" "$room/carol.in" "$room/line"; exec 3<> "$room/alice.in" 4<> "$room/line" 5<> "$room/carol.in"'
run 'step06-client --room "$room" --name alice < "$room/alice.in" > "$room/alice.txt" 2>&1 & alice=$!'
step04_wait_for "$room/alice.txt" "* alice joined" || exit 1
echo "# carol's parent: a sh that waits for her only once it has read a line"
run 'sh -c '\''step06-client --room "$0" --name carol < "$0/carol.in" > /dev/null 2>&1 & echo $! > "$0/carol.pid"; read line; wait'\'' "$room" < "$room/line" & parent=$!'
step04_wait_for "$room/alice.txt" "* carol joined" || exit 1
run 'carol=$(cat "$room/carol.pid"); kill -KILL $carol; sleep 0.2; ps -o pid,ppid,stat,cmd -p $carol'
run 'kill -0 $carol; echo "kill -0: exit status $?"; cut -d " " -f 1-3 /proc/$carol/stat'
step04_wait_for "$room/alice.txt" "* carol was disconnected" || exit 1
run 'cat "$room/alice.txt"'
run 'echo >&4; wait $parent; ps -o pid,stat,cmd -p $carol; echo "ps exit status $?"'
parent=""
run 'kill -TERM $alice; wait $alice; echo "alice exit status $?"'
alice=""
run 'kill -INT $server; wait $server; cat "$room/server.log"'
server=""
