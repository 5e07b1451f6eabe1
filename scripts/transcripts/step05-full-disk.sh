#!/usr/bin/env bash
# Step 5: a full disk. The room is a 160 KiB tmpfs that only this script sees (private
# mount and IPC namespaces). alice pipes 600 lines of about 400 bytes: once posix_fallocate
# can no longer grow the log, each of her lines is refused to her (RejectReason::NotStored)
# and never published; the server stays up, the lines she saw are exactly the log's, and a
# join that cannot be stored is refused too. Shown in book/src/step05-mmap-log.md
# ("Log first, ring second").
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
step05_private_mounts "$@"
build_solutions step05-mmap-log
step05_private_tmp

dir=""
server=""
cleanup() {
    [ -n "$server" ] && kill -INT "$server" 2>/dev/null && wait "$server" 2>/dev/null
    if [ -n "$dir" ]; then
        step04_remove_room_objects "$dir/room"
        umount "$dir/room" 2>/dev/null
        rm -rf "$dir"
    fi
    step04_remove_private_tmp
}
trap cleanup EXIT

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'dir=$(mktemp -d -t chat-XXXXXX); mkdir "$dir/room"'
run 'mount -t tmpfs -o size=160k,mode=0700 tmpfs "$dir/room"; df -h "$dir/room"'
run 'step05-server --room "$dir/room" 2> "$dir/server.log" &'
server=$!
step04_wait_for "$dir/server.log" "serving room" || exit 1
run 'server=$!'
run 'seq -f "line %03g $(printf "%0400d" 0)" 600 | step05-client --room "$dir/room" --name alice > "$dir/alice.out" 2> "$dir/alice.err"; echo "exit status $?"'
run 'grep -c "<alice> line" "$dir/alice.out"; grep -c "the disk is full" "$dir/alice.err"; grep -m 1 "refused" "$dir/alice.err"'
run 'grep -c "not published" "$dir/server.log"; grep -m 1 "not published" "$dir/server.log"'
run 'df -h "$dir/room"; stat -c "%n: %s bytes" "$dir/room/chat.log"'
echo "# what alice saw is what the log holds"
run 'step05-log --room "$dir/room" | grep "<alice> line" | diff - <(grep "<alice> line" "$dir/alice.out") && echo "the same lines"'
echo "# the file cannot grow, but short records still fit in what is left of its last page"
run 'echo "is the disk full?" | step05-client --room "$dir/room" --name bob 2>&1 | tail -n 2'
run 'echo "hello?" | step05-client --room "$dir/room" --name carol; echo "exit status $?"'
run 'kill -INT $server; wait $server; echo "server exit status $?"; grep -v "not published" "$dir/server.log"'
server=""
