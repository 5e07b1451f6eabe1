#!/usr/bin/env python3
"""Turns the graders' reports into Gradescope's results.json.

Each step's grader writes a report (target/grades/stepNN.json; its format is the
grading-report crate's `Report`) with one entry per test. Gradescope gets one entry per
exercise: its points are the sum of its tests', and its output lists each test with the
reason and hint of every failure, as `make check-step N` prints them. A step whose grader
wrote no report (it was killed at its time limit, or the workspace did not load) gets its
exercises at 0 points with the end of the grader's log, so the total possible stays 100 a
step. The exercises' tasks (for the entries' names) are read from their headers in the
course's steps/ (`// EXERCISE 1.3 (25 points): task`).
"""

import argparse
import json
import os
import re
import time

HEADER = re.compile(r"^\s*// EXERCISE (\d+)\.(\d+) \((\d+) points?\): (.*)$")
# Gradescope shows every test's output in full: keep each well below its size limits.
MAX_OUTPUT = 30000


def id_key(exercise):
    return tuple(int(part) if part.isdigit() else 1 << 30 for part in exercise.split("."))


def exercises_of(course):
    """{step: {id: (points, task, file)}} from the exercise headers in course/steps/."""
    found = {}
    steps_dir = os.path.join(course, "steps")
    for crate in sorted(os.listdir(steps_dir)):
        for folder, _, files in os.walk(os.path.join(steps_dir, crate, "src")):
            for name in sorted(files):
                if not name.endswith(".rs"):
                    continue
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8", errors="replace") as source:
                    for line in source:
                        match = HEADER.match(line)
                        if match:
                            step, minor, points, task = match.groups()
                            exercise = f"{step}.{minor}"
                            found.setdefault(int(step), {})[exercise] = (
                                int(points),
                                task.strip(),
                                os.path.relpath(path, course),
                            )
    return found


def truncate(text):
    if len(text) <= MAX_OUTPUT:
        return text
    return text[:MAX_OUTPUT] + "\n... (cut here: the whole output is in `make check-step N`)"


def test_name(test):
    """`1.3 exact_bytes_round_trip` -> `exact_bytes_round_trip`."""
    prefix = test["number"] + " "
    name = test["name"]
    return name[len(prefix):] if name.startswith(prefix) else name


def exercise_output(exercise, tests):
    earned = sum(t["score"] for t in tests)
    possible = sum(t["max_score"] for t in tests)
    passed = sum(1 for t in tests if t["status"] == "passed")
    lines = [
        f"Exercise {exercise}: {earned}/{possible} points; {passed} of {len(tests)} tests passed.",
        "",
    ]
    for t in tests:
        mark = "ok    " if t["status"] == "passed" else "FAILED"
        lines.append(f"  {mark} {t['score']:>2}/{t['max_score']:<2} {test_name(t)}")
    # Failures that read the same (a compile error fails every test alike) are shown once.
    failures = {}
    for t in tests:
        if t["status"] != "passed":
            failures.setdefault(t.get("output", ""), []).append(test_name(t))
    for output, names in failures.items():
        lines += ["", f"---- {', '.join(names)} ----", output.rstrip()]
    return "\n".join(lines)


def log_tail(path, count=60):
    try:
        with open(path, encoding="utf-8", errors="replace") as log:
            return "".join(log.readlines()[-count:]).rstrip()
    except OSError:
        return "(no log)"


def read_status(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--course", required=True)
    parser.add_argument("--reports", required=True)
    parser.add_argument("--steps", required=True)
    parser.add_argument("--submitted", required=True)
    parser.add_argument("--notes", required=True)
    parser.add_argument("--visibility", default="visible")
    parser.add_argument("--started", type=float, default=time.time())
    parser.add_argument("--package", default="")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    headers = exercises_of(args.course)
    with open(args.submitted) as f:
        submitted = [line.strip() for line in f if line.strip()]
    with open(args.notes) as f:
        notes = f.read().rstrip()
    crates = sorted(os.listdir(os.path.join(args.course, "steps")))

    tests, summary, extra = [], [], {"steps": {}}
    for step in (int(s) for s in args.steps.split()):
        nn = f"{step:02d}"
        report_path = os.path.join(args.reports, f"step{nn}.json")
        status = read_status(os.path.join(args.reports, f"step{nn}.status"))
        known = headers.get(step, {})
        try:
            with open(report_path) as f:
                report = json.load(f)
        except (OSError, ValueError):
            report = None

        if report is None:
            why = (
                f"The grader of step {step} wrote no report (exit status {status}"
                + (", killed at its time limit" if status in (124, 137) else "")
                + "). The end of its output:\n\n"
                + log_tail(os.path.join(args.reports, f"step{nn}.log"))
            )
            summary.append(f"Step {step}: 0/{sum(p for p, _, _ in known.values()) or 100}. The grader did not finish.")
            extra["steps"][step] = {"report": None, "exit_status": status}
            for exercise in sorted(known, key=id_key) or [f"{step}"]:
                points, task, _ = known.get(exercise, (100, f"step {step}", ""))
                tests.append({
                    "name": task,
                    "number": exercise,
                    "score": 0,
                    "max_score": points,
                    "status": "failed",
                    "output": truncate(why),
                    "visibility": args.visibility,
                })
            continue

        summary.append(report.get("output", f"Step {step}: {report['score']}"))
        extra["steps"][step] = dict(report.get("extra_data", {}), exit_status=status)
        by_exercise = {}
        for t in report["tests"]:
            by_exercise.setdefault(t["number"], []).append(t)
        for exercise in sorted(set(by_exercise) | set(known), key=id_key):
            points, task, _ = known.get(exercise, (0, f"exercise {exercise}", ""))
            entries = by_exercise.get(exercise, [])
            score = sum(t["score"] for t in entries)
            possible = sum(t["max_score"] for t in entries)
            if not entries:
                output = f"No test of exercise {exercise} ran."
                possible = points
            else:
                output = exercise_output(exercise, entries)
            tests.append({
                "name": task,
                "number": exercise,
                "score": score,
                "max_score": possible,
                "status": "passed" if score == possible else "failed",
                "output": truncate(output),
                "visibility": args.visibility,
            })
        changed = report.get("extra_data", {}).get("changed_given_code", [])
        if changed:
            tests.append({
                "name": f"Step {step}: the given code is unchanged (not scored)",
                "number": f"{step}.0",
                "score": 0,
                "max_score": 0,
                "status": "failed",
                "output": "Only the exercise regions are yours. Given code was changed here "
                "(points earned by changing it may be withdrawn):\n"
                + "\n".join(f"  {line}" for line in changed),
                "visibility": args.visibility,
            })

    tests.sort(key=lambda t: id_key(t["number"]))
    score = sum(t["score"] for t in tests)
    possible = sum(t["max_score"] for t in tests)
    missing = [c for c in crates if c not in submitted and int(c[:2]) in extra["steps"]]
    lines = [f"Total: {score}/{possible}."] + summary
    if submitted and missing:
        lines.append(
            "Not in your submission, so graded as the untouched skeleton: " + ", ".join(missing) + "."
        )
    if notes:
        lines += ["", notes]
    lines += [
        "",
        "Each exercise below lists its tests; a failed test gives its reason and a hint. "
        "The same grading runs on your machine with `make check-step N` (or `make grade`).",
    ]
    if args.package and os.path.exists(args.package):
        with open(args.package) as f:
            extra["package"] = f.read().strip()

    results = {
        "score": score,
        "execution_time": int(time.time() - args.started),
        "output": "\n".join(lines),
        "stdout_visibility": "hidden",
        "extra_data": extra,
        "tests": tests,
    }
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    print(f"results: {score}/{possible} written to {args.out}")


if __name__ == "__main__":
    main()
