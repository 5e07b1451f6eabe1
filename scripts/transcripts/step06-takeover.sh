#!/usr/bin/env bash
# Step 6: a new server takes over what a killed one left, and refuses what is not certainly
# a dead server's. The killed server's objects stay (ipcs), with "server alive" at 0 and the
# segment's creator (cpid) the dead server; the next server removes them, logging their ids,
# makes new ones, and serves the history. A step 4 server, which holds no room lock, is a
# live owner: refused. A queue made by step 1's tool under the room's 'Q' key, and a segment
# of another size under its 'M' key, are a stranger's: refused, untouched, until `make
# clean-ipc`. Pids change from run to run. Shown in book/src/step06-integrated-chat.md
# ("Taking over a dead server's objects").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step06-integrated-chat step04-chat step01-message-queue step02-shared-memory
step05_private_tmp

step05_room_cleanup_on_exit

step05_start_in_new_room step06-server
run 'echo "the server is pid $server"'
run 'printf "hello\nanyone?\n" | step06-client --room "$room" --name alice > /dev/null'
run 'kill -KILL $server; wait $server 2> /dev/null'
server=""
echo "# what the dead server left: its three objects, 'server alive' (#1) back at 0, and the segment's creator"
run 'ipcs'
run 'ipcs -s -i 0 | grep -A 2 semnum'
run 'ipcs -m -p'
run 'step06-server --room "$room" 2> "$room/server.log" &'
server=$!
step04_wait_for "$room/server.log" "serving room" || exit 1
run 'server=$!; cat "$room/server.log"'
run 'ipcs'
run 'echo "what did I miss?" | step06-client --room "$room" --name bob'
run 'kill -INT $server; wait $server'
server=""
echo "# a step 4 server takes no room lock: its objects belong to a live process"
run 'step04-server --room "$room" 2> "$room/step04.log" &'
server=$!
step04_wait_for "$room/step04.log" "serving room" || exit 1
run 'server=$!; echo "the step 4 server is pid $server"'
run 'step06-server --room "$room"; echo "exit status $?"'
run 'kill -INT $server; wait $server'
server=""
echo "# a stranger's queue under the room's key: ftok(ROOM, 'Q'), 'Q' being 81"
run 'step01-send --path "$room" --proj-id 81 --create "not a chat request"'
run 'step06-server --room "$room"; echo "exit status $?"'
run 'ipcs -q'
run 'make --no-print-directory clean-ipc ROOM="$room"'
echo "# a stranger's segment of another size under ftok(ROOM, 'M'), 'M' being 77"
run 'step02-shm create --path "$room" --proj-id 77 --size 4096'
run 'step06-server --room "$room"; echo "exit status $?"'
run 'make --no-print-directory clean-ipc ROOM="$room"'
run 'ls "$room"'
