"""Before and after in one run: a bench on an earlier commit's code, then on this one, and a table of the two.

``--before-commit REV`` runs the same bench first in a detached worktree of REV under /tmp, with this
checkout's ``bench/*.py`` and ``bench/nginx.conf.in`` copied in (the earlier *product* code measured by the
current *bench* code: the earlier tree may lack newer bench modules) and this checkout's ``.venv`` linked in;
the worktree is removed afterwards, also on an error or Ctrl-C. ``--before-results PATH`` takes an earlier
run's results file instead. Either way the bench then runs here and writes, beside its usual section, one
section of both runs' figures (bench/sections.py), with the command that produced it at its top.
"""

import json
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import sections
from bench.facts import MAIN, command_output
from bench.log import log

# How long the earlier run may take to stop what it started once it is told to stop.
STOP_SECONDS = 120
# The options this module reads; none of them goes on to the earlier run (it gets --out and --results-json of
# its own).
OWN_OPTIONS = ("--before-commit", "--before-results", "--out", "--results-json")


@dataclass
class Earlier:
    label: str  # the column's heading: "HEAD~5, 967e2df" or the results file's recorded code
    results: dict
    path: Path  # its results file


def add_options(parser, before_results=True) -> None:
    """The options of a bench that can show an earlier run beside its own (``before_results``: its own
    ``--before-results``, for a bench that has another name for it)."""
    parser.add_argument("--before-commit", metavar="REV",
                        help="first run this bench on REV's code (a worktree under /tmp, the current bench/ "
                             "copied in), then on this one, and show the two side by side")
    if before_results:
        parser.add_argument("--before-results", metavar="PATH",
                            help="an earlier run's results file, for the before-and-after section (nothing re-run)")
    parser.add_argument("--results-json", metavar="PATH", help="also write the raw figures to PATH")


def earlier(args, name: str, argv, code_of, extra=()) -> Earlier | None:
    """The earlier run asked for, if any: ``--before-results`` read, or ``--before-commit`` run now (with the
    options ``extra`` added). ``code_of(results)`` is the code a results file says it measured."""
    if args.before_commit and args.before_results:
        raise SystemExit("--before-commit and --before-results: one or the other")
    if args.before_results:
        path = Path(args.before_results)
        results = json.loads(path.read_text())
        return Earlier(code_of(results), results, path)
    if args.before_commit:
        label, path = run_kept(args.before_commit, name, [*argv, *extra])
        return Earlier(label, json.loads(path.read_text()), path)
    return None


def run_kept(rev: str, name: str, argv, strip=OWN_OPTIONS) -> tuple[str, Path]:
    """Run the bench NAME with ``argv`` (minus the options ``strip``) on REV's code: the column's heading
    ("HEAD~5, 967e2df") and the results file, kept in bench/out/."""
    short = git("rev-parse", "--short", "--verify", f"{rev}^{{commit}}")
    path = MAIN / "bench" / "out" / f"before-{name}-{time.strftime('%Y%m%d-%H%M%S')}-{short}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    run_at_commit(rev, name, strip_options(argv, strip), path)
    return f"{rev}, {short}", path


def git(*argv) -> str:
    out = subprocess.run(["git", *argv], cwd=MAIN, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"git {' '.join(argv)}: {out.stderr.strip()}")
    return out.stdout.strip()


def strip_options(argv, names=OWN_OPTIONS) -> list[str]:
    """``argv`` without ``names`` and their values (``--name VALUE`` or ``--name=VALUE``)."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in names:
            skip = True
        elif not arg.startswith(tuple(f"{n}=" for n in names)):
            kept.append(arg)
    return kept


def run_at_commit(rev: str, name: str, argv, results_path: Path) -> None:
    """``python -m bench NAME ARGV`` (plus --out and --results-json) on REV's code with the current bench/, in a
    worktree; its raw figures to ``results_path`` (outside the worktree: they stay)."""
    scratch = Path(tempfile.mkdtemp(prefix="beacon-before-"))
    tree = scratch / "tree"
    try:
        log(f"before: git worktree add --detach {tree} {rev}")
        git("worktree", "add", "--detach", str(tree), rev)
        prepare_tree(tree)
        command = [".venv/bin/python", "-m", "bench", name, *argv,
                   "--out", str(scratch / "report.md"), "--results-json", str(results_path)]
        log(f"before: (cd {tree} && {shlex.join(command)})")
        run_to_end(command, tree)
    finally:
        remove_tree(tree)
        shutil.rmtree(scratch, ignore_errors=True)


def prepare_tree(tree: Path) -> None:
    """The current bench code and virtualenv in the earlier tree."""
    copied = [*sorted((MAIN / "bench").glob("*.py")), MAIN / "bench" / "nginx.conf.in"]
    log(f"before: cp bench/*.py bench/nginx.conf.in {tree}/bench/ && ln -s {MAIN / '.venv'} {tree}/.venv")
    (tree / "bench").mkdir(exist_ok=True)
    for path in copied:
        shutil.copy2(path, tree / "bench" / path.name)
    (tree / ".venv").symlink_to(MAIN / ".venv")


def run_to_end(command, cwd: Path) -> None:
    """Run the earlier bench; whatever stops this process stops it first, with one Ctrl-C of its own (in a
    session of its own, the terminal's Ctrl-C reaches only this process), so it stops its servers."""
    proc = subprocess.Popen(command, cwd=cwd, start_new_session=True, preexec_fn=_default_sigint)
    try:
        if proc.wait():
            raise SystemExit(f"before: the run on the earlier code failed (exit code {proc.returncode})")
    finally:
        if proc.poll() is None:
            log("before: stopping the run on the earlier code")
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _default_sigint() -> None:
    """In the earlier run, before it starts: Ctrl-C as Python's default, even where this process ignores it (a
    shell's background job does), so that the Ctrl-C above reaches it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def remove_tree(tree: Path) -> None:
    if not tree.exists():
        return
    log(f"before: git worktree remove --force {tree}")
    said = command_output(["git", "worktree", "remove", "--force", str(tree)])
    if said:
        log(f"before: {said}")
    command_output(["git", "worktree", "prune"])


def write_section(out, name: str, title: str, command: str, before: Earlier, after: tuple[str, Path],
                  before_figures: dict, after_figures: dict) -> None:
    """The section NAME of ``out``: one row a measure, the earlier run's column, then this one's; ``after`` is
    this run's code and results file."""
    how = ("it ran both, one after the other: the earlier code first, through bench/before.py"
           if "--before-commit" in command else f"this run; the earlier one is `{_shown(before.path)}`'s")
    lines = [f"## {title}", "", f"Command ({how}):", "", f"    {command}", "",
             f"| measure | before ({before.label}) | after ({after[0]}) |", "|---|---:|---:|"]
    for measure in dict.fromkeys([*after_figures, *before_figures]):
        lines.append(f"| {measure} | {before_figures.get(measure, '–')} | {after_figures.get(measure, '–')} |")
    lines += ["", f"Raw figures: before `{_shown(before.path)}`, after `{_shown(after[1])}` (bench/out/ is "
                  "git-ignored); `--before-results` with the first renders this table again beside a new run."]
    sections.write_section(Path(out), name, "\n".join(lines) + "\n")
    log(f"before and after: section {name} of {out}")


def _shown(path) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(MAIN)) if path.is_relative_to(MAIN) else str(path)
