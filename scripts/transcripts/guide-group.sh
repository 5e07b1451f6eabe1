#!/usr/bin/env bash
# The user guide's "Running a room for a group": what the code makes (a room directory of
# mode 0700, its files 0600, its three IPC objects 0600, whatever the umask), and what
# another user (here `nobody`, through runuser) meets when they try to use the room: the
# objects refuse them even once the directory is opened up. Needs root (to run commands
# as nobody); pids and ids change from run to run. Shown in book/src/user-guide.md.
source "$(dirname "$0")/lib.sh"
private_ipc_namespace "$@"
source "$(dirname "$0")/step04-common.bash"
source "$(dirname "$0")/step05-common.bash"
build_solutions step07-ipc-chat
step05_private_tmp
if [ "$(id -u)" != 0 ] || ! runuser -u nobody -- true 2>/dev/null; then
    echo "transcript: this one runs commands as nobody: run it as root" >&2
    exit 1
fi
# nobody must be able to reach the rooms below the private temporary directory.
chmod 711 "$step04_tmp"

cleanup() {
    if [ -n "$server" ]; then
        kill -INT "$server" 2>/dev/null && wait "$server" 2>/dev/null
        server=""
    fi
    if [ -n "$room" ]; then
        ipc-chat cleanup --room "$room/lobby" >/dev/null 2>&1
        rm -rf "$room"
    fi
    step04_remove_private_tmp
}
trap cleanup EXIT

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'room=$(mktemp -d -t chat-XXXXXX); chmod 755 "$room"'
echo "# the server makes the room directory and its files for its user only, even with umask 0"
run 'umask 0; ipc-chat server --room "$room/lobby" 2> "$room/server.log" &'
server=$!
step04_wait_for "$room/server.log" "serving room" || exit 1
run 'server=$!; umask 022; ls -la "$room/lobby"'
run 'ipcs'
run 'echo "for the group, I hope" | ipc-chat client --room "$room/lobby" --name alice > /dev/null 2>&1'
echo "# another user cannot use it"
run 'runuser -u nobody -- ipc-chat client --room "$room/lobby" --name eve < /dev/null; echo "exit status $?"'
run 'runuser -u nobody -- ipc-chat log --room "$room/lobby"; echo "exit status $?"'
echo "# opening up the directory and the log does not help: the IPC objects are 0600"
run 'chmod 755 "$room/lobby"; chmod 644 "$room/lobby/chat.log"'
run 'runuser -u nobody -- ipc-chat log --room "$room/lobby"; echo "exit status $?"'
run 'runuser -u nobody -- ipc-chat client --room "$room/lobby" --name eve < /dev/null; echo "exit status $?"'
run 'runuser -u nobody -- ipc-chat who --room "$room/lobby"; echo "exit status $?"'
run 'runuser -u nobody -- ipc-chat cleanup --room "$room/lobby"; echo "exit status $?"'
run 'kill -INT $server; wait $server; echo "exit status $?"'
server=""
