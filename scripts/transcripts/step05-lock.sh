#!/usr/bin/env bash
# Step 5: one server per room. The running server holds flock(LOCK_EX) on ROOM/server.lock
# (lslocks shows it) and wrote its pid there. A second server is refused before it touches
# anything (both files keep their checksums), and names the first; flock(1) from the shell
# cannot take the lock either. Once the server is killed the lock is free at once, though
# the file still holds the dead pid. Pids change from run to run. Shown in
# book/src/step05-mmap-log.md ("Running it by hand").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step05-mmap-log
step05_private_tmp

step05_room_cleanup_on_exit

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'room=$(mktemp -d -t chat-XXXXXX)'
run 'step05-server --room "$room" 2> "$room/server.log" &'
server=$!
step04_wait_for "$room/server.log" "serving room" || exit 1
run 'server=$!; echo "the server is pid $server"; cat "$room/server.lock"'
run 'lslocks --pid $server --output COMMAND,TYPE,MODE,PATH'
run 'md5sum "$room/chat.log" "$room/server.lock"'
run 'step05-server --room "$room"; echo "exit status $?"'
run 'md5sum "$room/chat.log" "$room/server.lock"'
run 'flock --nonblock "$room/server.lock" echo "got the lock"; echo "flock exit status $?"'
run 'kill -KILL $server; wait $server 2> /dev/null'
server=""
run 'flock --nonblock "$room/server.lock" echo "got the lock"; echo "flock exit status $?"'
run 'cat "$room/server.lock"'
