#!/usr/bin/env bash
# Step 5: the bytes of a real log. alice joins and says "hello"; the server stops; xxd shows
# the file's header and its first two records, 8 bytes a line like a record's alignment,
# and Python's zlib recomputes the second record's CRC-32. Pids and times change from run
# to run. Shown in book/src/step05-mmap-log.md ("The record format").
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step05-mmap-log
step05_private_tmp

step05_room_cleanup_on_exit

step05_start_in_new_room
run 'echo hello | step05-client --room "$room" --name alice > /dev/null'
run 'kill -INT $server; wait $server; cat "$room/server.log"'
server=""
run 'stat -c "%n: %s bytes, %b blocks of %B bytes" "$room/chat.log"'
echo "# the header: 64 bytes"
run 'xxd -c 8 -l 64 "$room/chat.log"'
echo "# record 1 (alice joined) at offset 64, record 2 (hello) at 104, record 3 (alice left) at 152, then zeros"
run 'xxd -c 8 -s 64 -l 136 "$room/chat.log"'
echo "# zlib's CRC-32 of record 2's bytes 8 to 48, then the crc stored in its bytes 4 to 8"
run "python3 -c 'import sys, zlib; r = open(sys.argv[1], \"rb\").read()[104:152]; print(hex(zlib.crc32(r[8:])), hex(int.from_bytes(r[4:8], \"little\")))' \"\$room/chat.log\""
run 'step05-log --room "$room"'
