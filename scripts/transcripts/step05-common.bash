# Shared by the step 5 transcripts (sourced after lib.sh and step04-common.bash, whose
# helpers they use; not a transcript itself, hence not named *.sh).
#
# Step 5's rooms are made with `mktemp -d -t chat-XXXXXX`, not `ipc-course-XXXXXX` as in
# step 4: `make clean-ipc` removes every `ipc-course-*` directory under the temporary
# directory that no live process owns, and a step 5 room holds the history (chat.log), which
# must survive the clean-up of a crashed server's IPC objects. The output shows their random
# part as XXXXXX, as refresh-book-output.sh does for the ipc-course-* directories.

# step04_private_tmp (a private temporary directory shown as /tmp), and rooms made with
# `mktemp -d -t chat-XXXXXX` shown as /tmp/chat-XXXXXX.
step05_private_tmp() {
    step04_private_tmp
    # Runs before step04_private_tmp's path fix, which still sees the private directory.
    exec > >(sed -u -e 's|/chat-[A-Za-z0-9]\{6\}|/chat-XXXXXX|g') 2>&1
}

# Re-runs the calling script in private IPC and mount namespaces, so that it can mount a
# small tmpfs that nobody else sees (as root, or as a user mapped to root). Use it instead
# of private_ipc_namespace. Fails if the system allows neither.
step05_private_mounts() {
    [ -n "${TRANSCRIPT_PRIVATE_MOUNTS:-}" ] && return 0
    export TRANSCRIPT_PRIVATE_MOUNTS=1 TRANSCRIPT_PRIVATE_IPC=1
    if unshare --ipc --mount true 2>/dev/null; then
        exec unshare --ipc --mount --propagation private bash "$0" "$@"
    elif unshare --user --map-root-user --ipc --mount true 2>/dev/null; then
        exec unshare --user --map-root-user --ipc --mount bash "$0" "$@"
    fi
    echo "transcript: this system allows no private mount namespace" >&2
    exit 1
}

# The room and the server of a transcript, both stopped and removed when it exits: call
# step05_room_cleanup_on_exit once, then step05_start_in_new_room to print and run the
# usual start (the solutions' binaries on PATH, a new room, a server in it whose log goes
# to $room/server.log; the server is step05-server unless another is named, as step 6's
# transcripts name step06-server). A transcript with more processes to stop defines its
# own `cleanup` trap, which stops them and then calls step05_room_cleanup. $server is cleared by a transcript that stops the server itself.
room=""
server=""
step05_room_cleanup() {
    [ -n "$server" ] && kill -INT "$server" 2>/dev/null && wait "$server" 2>/dev/null
    step04_remove_room_objects "$room"
    [ -n "$room" ] && rm -rf "$room"
    step04_remove_private_tmp
}
step05_room_cleanup_on_exit() {
    trap step05_room_cleanup EXIT
}
step05_start_in_new_room() {
    local program="${1:-step05-server}"
    run 'export PATH="$PWD/solutions/target/debug:$PATH"'
    run 'room=$(mktemp -d -t chat-XXXXXX)'
    run "$program"' --room "$room" 2> "$room/server.log" &'
    server=$!
    step04_wait_for "$room/server.log" "serving room" || exit 1
    run 'server=$!'
}
