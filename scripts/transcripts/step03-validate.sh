#!/usr/bin/env bash
# Step 3: names and texts checked against the rules before anything is sent.
# Shown in book/src/step03-architecture.md ("Names and texts").
source "$(dirname "$0")/lib.sh"
build_solutions step03-protocol

run 'export PATH="$PWD/solutions/target/debug:$PATH"'
run 'step03-codec validate --name alice_2.0'
run 'step03-codec validate --name "al ice"'
run 'step03-codec validate --name zoë'
run 'step03-codec validate --name abcdefghijklmnopq'
run 'step03-codec validate --text "héllo, wörld 🦀"'
run 'step03-codec validate --text "$(printf "\e[2J")gotcha"'
run 'step03-codec validate --text "$(printf "%0473d" 0)"'
run 'step03-codec encode say --text "$(printf "two\nlines")"; echo "exit status $?"'
