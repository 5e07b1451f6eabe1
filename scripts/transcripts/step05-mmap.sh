#!/usr/bin/env bash
# Step 5: what mmap does with a file's length and its disk blocks, on a 1 MiB tmpfs that
# only this script sees (a private mount namespace). A file grown with truncate (ftruncate)
# is sparse: it has no blocks, and a store through a mapping into a page the disk cannot
# give a block to kills the process with SIGBUS. fallocate (posix_fallocate) reserves the
# blocks, so a full disk is an error of that call instead. And a mapping that outlives the
# file's length: a read past the end of the file gets SIGBUS too. Shown in
# book/src/step05-mmap-log.md ("Memory-mapped files").
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
step05_private_mounts "$@"
step05_private_tmp
# No core files from the two programs that SIGBUS kills.
ulimit -c 0

disk=""
cleanup() {
    cd /
    [ -n "$disk" ] && umount "$disk" && rmdir "$disk"
    step04_remove_private_tmp
}
trap cleanup EXIT

echo "# how often the kernel's flusher threads wake, and how old a dirty page may get (1/100 s)"
run 'sysctl vm.dirty_writeback_centisecs vm.dirty_expire_centisecs'
run 'disk=$(mktemp -d -t chat-XXXXXX); mount -t tmpfs -o size=1m tmpfs "$disk"; cd "$disk"'
run 'df -h .'
run 'cat > store.py <<"EOF"
# Maps a file with MAP_SHARED and stores one byte into each of its pages.
import mmap, sys
with open(sys.argv[1], "r+b") as f:
    m = mmap.mmap(f.fileno(), 0)
    for page in range(len(m) // mmap.PAGESIZE):
        m[page * mmap.PAGESIZE] = 1
        if page % 64 == 0:
            print(f"stored into page {page}", flush=True)
EOF'
run 'cat > shrink.py <<"EOF"
# Maps a file, then cuts it down to 100 bytes while the mapping still covers 8192.
import mmap, os, sys
with open(sys.argv[1], "r+b") as f:
    m = mmap.mmap(f.fileno(), 0)
    print(f"mapped {len(m)} bytes; byte 5000 is {m[5000]}", flush=True)
    os.truncate(sys.argv[1], 100)
    print(f"truncated to 100 bytes; byte 200 (same page) is {m[200]}", flush=True)
    print(f"byte 5000 (a page past the end) is {m[5000]}", flush=True)
EOF'
echo "# a mapping that outlives the file's length"
run 'head -c 8192 /dev/zero | tr "\0" x > short; { python3 shrink.py short; } 2> /dev/null; status=$?; echo "exit status $status: SIG$(kill -l $status)"'
echo "# a sparse file: 4 MiB long, no blocks"
run 'truncate -s 4M sparse; stat -c "%n: %s bytes, %b blocks of %B bytes" sparse'
run 'fallocate -l 4M reserved; echo "exit status $?"; stat -c "%n: %s bytes, %b blocks of %B bytes" reserved'
run '{ python3 store.py sparse; } 2> /dev/null; status=$?; echo "exit status $status: SIG$(kill -l $status)"'
run 'df -h .; stat -c "%n: %s bytes, %b blocks of %B bytes" sparse'
