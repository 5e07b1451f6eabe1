#!/usr/bin/env bash
# Step 5: recovery. A short history is written, then damaged by hand in two ways:
# - a torn tail, as a server killed between a record's body and its len leaves it (the
#   bytes after the len are there, the len is still 0). step05-log notes it and changes
#   nothing; the next server warns, truncates the file to the good records and goes on;
# - one flipped bit in the middle (a disk error, or pages written back out of order before
#   a power loss): the checksum no longer matches, and everything from that record on is
#   dropped.
# Shown in book/src/step05-mmap-log.md ("Running it by hand").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step05-mmap-log
step05_private_tmp

step05_room_cleanup_on_exit

# Starts a server in the background, its log in ROOM/server.log; sets $server.
start_server() {
    run 'step05-server --room "$room" 2> "$room/server.log" &'
    server=$!
    step04_wait_for "$room/server.log" "serving room" || exit 1
    run 'server=$!'
}

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'room=$(mktemp -d -t chat-XXXXXX)'
start_server
run 'printf "hello\nhow is the log?\n" | step05-client --room "$room" --name alice > /dev/null'
run 'kill -INT $server; wait $server 2> /dev/null'
server=""
run 'step05-log --room "$room"; stat -c "%n: %s bytes" "$room/chat.log"'
echo "# a torn tail: what a server killed between a record's body and its len leaves behind"
run 'cat > "$room/tear.py" <<"EOF"
import struct, sys
log = bytearray(open(sys.argv[1], "rb").read())
pos = 64                                   # the first record
while (n := struct.unpack_from("<I", log, pos)[0]) != 0:
    last, pos = pos, pos + n               # walk the records by their len
body = log[last + 4 : pos]                 # the last record, all but its len
log[pos + 4 : pos + 4 + len(body)] = body  # written after it; its len stays 0
open(sys.argv[1], "r+b").write(log)
print(f"wrote {len(body)} bytes at offset {pos + 4}; the len at offset {pos} is still 0")
EOF'
run 'python3 "$room/tear.py" "$room/chat.log"'
run 'step05-log --room "$room"; echo "exit status $?"'
start_server
run 'cat "$room/server.log"; stat -c "%n: %s bytes" "$room/chat.log"'
run 'echo "still here" | step05-client --room "$room" --name bob > /dev/null'
run 'kill -INT $server; wait $server 2> /dev/null'
server=""
run 'step05-log --room "$room"; stat -c "%n: %s bytes" "$room/chat.log"'
echo "# one flipped bit in record 2, the h of hello (offset 104 + 32 + 5 = 141): 0x68 becomes 0x6c"
run 'xxd -s 141 -l 5 "$room/chat.log"; printf "\x6c" | dd of="$room/chat.log" bs=1 seek=141 conv=notrunc status=none; xxd -s 141 -l 5 "$room/chat.log"'
run 'step05-log --room "$room"'
start_server
run 'cat "$room/server.log"'
run 'echo "where did everyone go?" | step05-client --room "$room" --name carol'
