# Terminals for the transcripts that show several people at once (sourced after lib.sh;
# not a transcript itself, hence not named *.sh): each terminal is a tmux window, on a
# server of the transcript's own socket, `$socket`, which the script sets first; the
# functions type into a terminal as a person would and read its screen.

command -v tmux >/dev/null || { echo "transcript: tmux is missing (apt-get install -y tmux)" >&2; exit 1; }
tmx() { tmux -L "$socket" "$@"; }

screen() { tmx capture-pane -p -J -S - -t "chat:$1" | sed -e 's/[[:space:]]*$//' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'; }
type_in() { tmx send-keys -t "chat:$1" -l -- "$2"; tmx send-keys -t "chat:$1" Enter; }
# Waits up to 10 s until terminal $1 shows the text $2.
wait_screen() {
    for _ in $(seq 200); do
        screen "$1" | grep -qF -- "$2" && return 0
        sleep 0.05
    done
    echo "transcript: \"$2\" never appeared in terminal $1:" >&2
    screen "$1" >&2
    exit 1
}
# The number of prompt lines in terminal $1: a bare `$`, or `$ ` and a command.
prompts() { screen "$1" | grep -cE '^\$( |$)'; }
# Waits until terminal $1 shows at least $2 prompt lines (default: any) and is back at its
# prompt, that is, its last line is exactly `$`.
wait_prompt() {
    for _ in $(seq 200); do
        if [ "$(screen "$1" | tail -n 1)" = '$' ] && [ "$(prompts "$1")" -ge "${2:-1}" ]; then
            return 0
        fi
        sleep 0.05
    done
    echo "transcript: terminal $1 never came back to its prompt:" >&2
    screen "$1" >&2
    exit 1
}
# Types command $2 into terminal $1 and waits until it has finished.
run_in() {
    local before
    before=$(prompts "$1")
    type_in "$1" "$2"
    wait_prompt "$1" $((before + 1))
}
