#!/usr/bin/env bash
# Step 6: kill(2) with signal 0, seen through strace. A process that exists answers 0; a pid
# no process has, ESRCH; a process of another user, EPERM (it exists); pid 0 and pid -1 are
# not pids but a process group and every process we may signal, so kill(0, 0) and
# kill(-1, 0) "succeed" whatever pid was meant. A zombie (a child its parent has not waited
# for: here a `sh` busy reading a line) still answers 0, and /proc/PID/stat says Z. Pids
# change from run to run. Shown in book/src/step06-integrated-chat.md ("Liveness without
# heartbeats").
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/step04-common.bash"
step04_private_tmp

dir=""
sleeper=""
cleanup() {
    [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
    exec 3>&- 2>/dev/null
    [ -n "$dir" ] && rm -rf "$dir"
    step04_remove_private_tmp
}
trap cleanup EXIT

# The highest pid that no process has (the kernel hands the highest out last).
ghost=$(( $(cat /proc/sys/kernel/pid_max) - 1 ))
while [ -e "/proc/$ghost" ]; do ghost=$((ghost - 1)); done

run 'sleep 60 & sleeper=$!'
run 'strace -qq -e trace=kill /bin/kill -0 $sleeper; echo "exit status $?"'
run "ls -d /proc/$ghost"
run "strace -qq -e trace=kill /bin/kill -0 $ghost; echo \"exit status \$?\""
echo "# the same sleep, asked by user nobody: it exists, but is not nobody's to signal"
run 'setpriv --reuid=nobody --regid=nogroup --clear-groups strace -qq -e trace=kill /bin/kill -0 $sleeper; echo "exit status $?"'
echo "# pid 0: our own process group; pid -1: every process we may signal"
run 'strace -qq -e trace=kill bash -c "kill -0 0; kill -0 -1"; echo "exit status $?"'
echo "# a zombie: sleep exits at once, and its parent does not wait for it until it reads a line"
run 'dir=$(mktemp -d); mkfifo "$dir/line"; exec 3<> "$dir/line"'
run 'sh -c '\''sleep 0 & echo $! > "$0/child"; read line; wait'\'' "$dir" < "$dir/line" & parent=$!'
step04_wait_for "$dir/child" "" || exit 1
sleep 0.3
run 'zombie=$(cat "$dir/child"); ps -o pid,ppid,stat,cmd -p $zombie'
run 'strace -qq -e trace=kill /bin/kill -0 $zombie; echo "exit status $?"'
run 'cut -d " " -f 1-3 /proc/$zombie/stat'
run 'echo > "$dir/line"; wait $parent; ps -o pid,stat,cmd -p $zombie; echo "ps exit status $?"'
run 'kill $sleeper'
sleeper=""
