# The front door of the course. `make` alone lists the targets.
#
# Students:    make check-step N        grade your code in steps/ for step N
#              make watch N             the same, again whenever you save a file of step N
#              make hint E=2.5          one exercise's task, hints and book section
#              make grade               progress table for every step
# Instructors: the same, on a student's checkout; reports land in target/grades/
# Maintainers: make test, make verify-grader, make sync-exercises

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Which tree the graders build: steps (your work), solutions, or a workspace path.
IMPL ?= steps
CARGO ?= cargo
TOOLS := $(CURDIR)/.tools
# mdbook-mermaid 0.17.1 is built against mdbook 0.5.0: with that exact pair the build
# prints no version-mismatch warning (0.5.4 would).
MDBOOK_VERSION := 0.5.0
MDBOOK_MERMAID_VERSION := 0.17.1
MDBOOK := $(TOOLS)/mdbook-$(MDBOOK_VERSION)/bin/mdbook
MDBOOK_MERMAID := $(TOOLS)/mdbook-mermaid-$(MDBOOK_MERMAID_VERSION)/bin/mdbook-mermaid
# The graders of the steps that exist (tests/stepNN.rs).
STEPS := $(patsubst tests/step%.rs,%,$(wildcard tests/step[0-9][0-9].rs))

.PHONY: help
help: ## List the targets
	@echo "IPC chat course: System V message queues, shared memory, semaphores, mmap."
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo
	@echo "Variables: N=step number, IMPL=steps|solutions (default steps), E=exercise id, FORCE=1"

.PHONY: demo
demo: ## The chat end to end: a server, three scripted clients and the saved history, in a throwaway room (STEP=4, 5 or 6 for an earlier step's)
	@$(CARGO) build --quiet --manifest-path solutions/Cargo.toml
	@scripts/demo.sh solutions/target/debug $(or $(STEP),7)

.PHONY: check-step
check-step: ## Grade step N of IMPL (e.g. make check-step N=1, or make check-step 1)
	@n="$(or $(N),$(word 2,$(MAKECMDGOALS)))"; \
	if [ -z "$$n" ]; then echo "usage: make check-step N (a step number)"; exit 2; fi; \
	nn=$$(printf '%02d' "$$n"); \
	if [ ! -f "tests/step$$nn.rs" ]; then echo "step $$n has no grader yet (tests/step$$nn.rs)"; exit 2; fi; \
	GRADE_IMPL=$(IMPL) $(CARGO) test --quiet --test "step$$nn"

.PHONY: watch
watch: ## Re-grade step N of steps/ whenever you save one of its files (make watch 4; Ctrl-C stops)
	@n="$(or $(N),$(word 2,$(MAKECMDGOALS)))"; \
	if [ -z "$$n" ]; then echo "usage: make watch N (a step number)"; exit 2; fi; \
	nn=$$(printf '%02d' "$$n"); \
	if [ ! -f "tests/step$$nn.rs" ]; then echo "step $$n has no grader yet (tests/step$$nn.rs)"; exit 2; fi; \
	$(CARGO) xtask watch "$$n"

.PHONY: hint
hint: ## Exercise E's task, file, function, HINT lines and book section (make hint E=2.5)
	@if [ -z "$(E)" ]; then echo "usage: make hint E=2.5 (an exercise id; make exercises lists them)"; exit 2; fi
	@$(CARGO) xtask hint $(E)

# `make check-step 1`, `make watch 1`: the step number is a goal of its own; make it do nothing.
.PHONY: 1 2 3 4 5 6 7
1 2 3 4 5 6 7:
	@:

.PHONY: grade
grade: ## Grade every step of IMPL and print a progress table
	@$(CARGO) xtask grade --implementation $(IMPL)

.PHONY: exercises
exercises: ## List every exercise with its points
	@$(CARGO) xtask exercises

.PHONY: sync-exercises
sync-exercises: ## Regenerate steps/ from solutions/ (FORCE=1 overwrites edited exercises)
	@$(CARGO) xtask sync $(if $(FORCE),--force)

.PHONY: reset-exercise
reset-exercise: ## Put the stub of exercise E back in steps/ (e.g. make reset-exercise E=1.3)
	@if [ -z "$(E)" ]; then echo "usage: make reset-exercise E=1.3"; exit 2; fi
	@$(CARGO) xtask reset $(E)

.PHONY: verify-grader
verify-grader: ## Prove the graders honest: solutions 100, skeleton low, every exercise graded
	@$(CARGO) xtask verify-grader

.PHONY: gradescope
gradescope: ## Build the Gradescope autograder, target/gradescope/autograder.zip (N=3: step 3 only)
	@scripts/build-gradescope.sh $(or $(N),$(word 2,$(MAKECMDGOALS)))

.PHONY: tools
tools: $(MDBOOK) $(MDBOOK_MERMAID) ## Install the pinned mdbook and mdbook-mermaid into .tools/

$(MDBOOK):
	$(CARGO) install --locked --quiet --root $(TOOLS)/mdbook-$(MDBOOK_VERSION) mdbook --version $(MDBOOK_VERSION)

$(MDBOOK_MERMAID):
	$(CARGO) install --locked --quiet --root $(TOOLS)/mdbook-mermaid-$(MDBOOK_MERMAID_VERSION) mdbook-mermaid --version $(MDBOOK_MERMAID_VERSION)

.PHONY: book
book: tools ## Build the book into book/build (fails on any warning)
	@scripts/build-book.sh $(MDBOOK) $(dir $(MDBOOK_MERMAID))

.PHONY: serve-book
serve-book: tools ## Serve the book at http://localhost:3000 with live reload
	PATH="$(dir $(MDBOOK_MERMAID)):$$PATH" $(MDBOOK) serve book --open

.PHONY: fmt
fmt: ## Format both workspaces
	$(CARGO) fmt --all
	cd solutions && $(CARGO) fmt --all

.PHONY: lint
lint: ## cargo fmt --check and clippy -D warnings in both workspaces (skeleton included)
	$(CARGO) fmt --all --check
	cd solutions && $(CARGO) fmt --all --check
	$(CARGO) clippy --quiet --workspace --all-targets -- -D warnings
	cd solutions && $(CARGO) clippy --quiet --workspace --all-targets -- -D warnings

.PHONY: soak-protocol
soak-protocol: ## Fuzz step 3's decoder with 10 million random inputs (CASES=, SEED=)
	@$(CARGO) run --quiet --manifest-path solutions/Cargo.toml --bin step03-codec -- \
		fuzz --cases $(or $(CASES),10000000) --seed $(or $(SEED),$$(date +%s))

.PHONY: bench-log
bench-log: ## What step 5's log costs the server: lines/s with and without it, in one run (LINES=)
	@$(CARGO) run --quiet --release --manifest-path solutions/Cargo.toml --bin step05-bench -- \
		--lines $(or $(LINES),200000)

.PHONY: bench
bench: ## Step 7's ipc-chat bench: the chat against the raw queue; its table and latency chart go into the book (QUICK=1: smaller counts)
	@mkdir -p book/src/generated
	@$(CARGO) run --quiet --release --manifest-path solutions/Cargo.toml -p step07-ipc-chat --bin ipc-chat -- \
		bench $(if $(QUICK),--quick) \
		--markdown book/src/generated/step07-bench.md --svg book/src/generated/step07-latency.svg

.PHONY: soak-crash
soak-crash: ## Crash injection: CYCLES (1000) rounds of bursts with the server SIGKILLed at random moments and clients killed, then every view and the log checked (SEED=)
	@$(CARGO) build --quiet --release --manifest-path solutions/Cargo.toml --bin ipc-chat
	@solutions/target/release/ipc-chat stress --crash-rounds $(or $(CYCLES),1000) --churn \
		--clients $(or $(CLIENTS),4) --lines $(or $(LINES),200) --deadline-s 36000 \
		$(if $(SEED),--seed $(SEED))

.PHONY: clean-ipc
clean-ipc: ## Remove IPC objects left by a killed grader or demo (ROOM=DIR: also a room's)
	@$(CARGO) xtask clean-ipc $(ROOM)

.PHONY: test
# The IPC leak check looks at the course's own objects only: see scripts/ipcs-snapshot.sh.
test: ## Everything: lint, unit tests, skeleton in sync, solutions 100/100, book, no IPC leaks
	@mkdir -p target && scripts/ipcs-snapshot.sh > target/ipcs-before.txt
	$(MAKE) --no-print-directory lint
	$(CARGO) test --quiet -p xtask -p grading-report -p course-tools
	@scripts/install-tmux.sh
	cd solutions && $(CARGO) test --quiet --workspace
	$(CARGO) xtask check
	@for n in $(STEPS); do \
		echo "== grading step $$n (solutions) =="; \
		GRADE_IMPL=solutions GRADE_REPORT=target/grades/solutions/step$$n.json \
			$(CARGO) test --quiet --test "step$$n" || exit 1; \
	done
	$(MAKE) --no-print-directory book
	@scripts/ipcs-snapshot.sh --left-since target/ipcs-before.txt
	@echo "make test: every check passed"
