#!/usr/bin/env python3
"""Per-file table of a cargo-mutants run: `scripts/mutants_table.py DIR/mutants.out ...`.

Reads each run's `outcomes.json` (cargo-mutants 27) and prints a Markdown table of mutants,
caught, missed, timeout and unviable per source file, with the score caught / (caught +
missed) per file and over all of them, then the missed mutants by name. Several runs (one per
module group) are summed into one table; a mutant tested by several runs counts once, with the
outcome of the last run given (a `--iterate` re-run after new tests replaces the first run's
outcome for the mutants it re-tested). `--file-from FILE=RUN` takes FILE's mutants from RUN only
(a file whose code changed after the other runs, re-run alone on the final code).
"""

import json
import sys
from collections import defaultdict
from pathlib import Path

KINDS = ("caught", "missed", "timeout", "unviable")
SUMMARY = {
    "CaughtMutant": "caught",
    "MissedMutant": "missed",
    "Timeout": "timeout",
    "Unviable": "unviable",
}


def outcomes(run_dir: Path):
    data = json.loads((run_dir / "outcomes.json").read_text())
    for o in data["outcomes"]:
        mutant = o["scenario"]
        if not isinstance(mutant, dict) or "Mutant" not in mutant:
            continue  # the baseline
        m = mutant["Mutant"]
        kind = SUMMARY.get(o["summary"])
        if kind is None:
            raise SystemExit(f"{run_dir}: unknown outcome {o['summary']!r} for {m['name']}")
        yield m["file"], m["name"], kind


def score(caught: int, missed: int) -> str:
    total = caught + missed
    return f"{100 * caught / total:.1f}%" if total else "n/a"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    file_from: dict[str, str] = {}
    runs: list[str] = []
    it = iter(argv)
    for arg in it:
        if arg == "--file-from":
            file, run = next(it).split("=", 1)
            file_from[file] = run
        else:
            runs.append(arg)
    last: dict[str, tuple[str, str]] = {}
    for run in runs + [r for r in file_from.values() if r not in runs]:
        for file, name, kind in outcomes(Path(run)):
            if file in file_from and file_from[file] != run:
                continue
            last[name] = (file, kind)
    per_file: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    missed: list[str] = []
    for name, (file, kind) in last.items():
        per_file[file][kind] += 1
        if kind == "missed":
            missed.append(name)
    print("| file | mutants | caught | missed | timeout | unviable | score |")
    print("|---|---|---|---|---|---|---|")
    total = dict.fromkeys(KINDS, 0)
    for file in sorted(per_file):
        c = per_file[file]
        for k in KINDS:
            total[k] += c[k]
        short = file.removeprefix("engine/src/")
        print(
            f"| `{short}` | {sum(c.values())} | "
            + " | ".join(str(c[k]) for k in KINDS)
            + f" | {score(c['caught'], c['missed'])} |"
        )
    print(
        f"| **all** | {sum(total.values())} | "
        + " | ".join(str(total[k]) for k in KINDS)
        + f" | {score(total['caught'], total['missed'])} |"
    )
    if missed:
        print("\nMissed:")
        for name in sorted(missed):
            print(f"- `{name}`")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
