"""Time ``faasguard scan`` (and, when available, checkov) on a large generated project tree.

Measured, each as a child process repeated ``--runs`` times (the median is reported):

a. startup: a scan of an empty directory;
b. the bundled ``examples/`` directory;
c. the generated tree (default 500 templates / 2,000 functions);
d. the same generator at 1/4 and 1/2 size, to show time grows linearly with files
   (seconds per 100 files);
e. peak memory of each child (``ru_maxrss``);
f. ``checkov -d DIR --framework cloudformation,terraform,serverless`` on the same trees when
   checkov is on PATH or given with ``--checkov``, with the checkov/faasguard ratio.
   The two tools' runs alternate (faasguard, checkov, faasguard, ...), so both see the same
   spells of a noisy machine.

    python benchmarks/bench_scan.py [--runs 3] [--tree DIR] [--json results.json]

Exit codes 0 and 1 of a scan are both success (1 means findings); anything else is a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

OK_CODES = (0, 1)
CHECKOV_FRAMEWORKS = "cloudformation,terraform,serverless"


@dataclass
class Run:
    seconds: float
    max_rss_kb: int
    exit_code: int


@dataclass
class Case:
    name: str
    tool: str
    directory: str
    files: int
    templates: int = 0
    functions: int = 0
    runs: list[Run] = field(default_factory=list)
    error: str | None = None
    report: dict[str, object] = field(default_factory=dict)  # a few numbers from the tool

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs) if self.runs else float("nan")

    @property
    def peak_rss_mb(self) -> float:
        return max((r.max_rss_kb for r in self.runs), default=0) / 1024

    startup_s: float | None = None  # the tool's own startup time, subtracted for net rates

    @property
    def per_100_files(self) -> float | None:
        return self.median * 100 / self.files if self.files and self.runs else None

    @property
    def net_per_100_files(self) -> float | None:
        if not self.files or not self.runs or self.startup_s is None:
            return None
        return max(0.0, self.median - self.startup_s) * 100 / self.files

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out.update(
            median_s=None if not self.runs else round(self.median, 4),
            peak_rss_mb=round(self.peak_rss_mb, 1),
            s_per_100_files=_round(self.per_100_files),
            net_s_per_100_files=_round(self.net_per_100_files),
        )
        return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def run_child(
    cmd: Sequence[str], cwd: Path | None = None, timeout: float = 3600
) -> tuple[Run, str]:
    """Run ``cmd``; return its wall time, peak RSS (its own, via wait4) and stderr tail."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err
        )
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.002)
        seconds = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code  # reaped by wait4: keep Popen from waiting again
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    return Run(seconds, int(usage.ru_maxrss), code), tail


def measure(case: Case, cmd: Sequence[str], runs: int, output: Path | None = None) -> Case:
    return measure_alternating([(case, cmd, runs, output)])[0]


def measure_alternating(
    jobs: Sequence[tuple[Case, Sequence[str], int, Path | None]],
) -> list[Case]:
    """Run each (case, command, runs, output) in turn, one run of each per round, so that a
    slow or fast spell of the machine falls on every tool alike: the ratio of two medians is
    only fair when both were measured in the same spells."""
    for _, _, _, output in jobs:
        if output is not None:
            output.unlink(missing_ok=True)
    for round_ in range(max(runs for _, _, runs, _ in jobs)):
        for case, cmd, runs, _ in jobs:
            if round_ >= runs or case.error is not None:
                continue
            run, stderr = run_child(cmd)
            if run.exit_code not in OK_CODES:
                case.error = f"exit code {run.exit_code}: {stderr.strip()[-500:]}"
            else:
                case.runs.append(run)
    for case, _, _, output in jobs:
        if output is not None and case.error is None:
            case.report = _report_numbers(output)
    return [case for case, _, _, _ in jobs]


def _report_numbers(output: Path) -> dict[str, object]:
    try:
        data = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    summary = data.get("summary") if isinstance(data, dict) else None
    if isinstance(summary, dict):
        keys = ("files", "functions", "findings", "warnings")
        return {k: summary[k] for k in keys if k in summary}
    if isinstance(data, list):  # checkov: one report per framework
        failed = sum(
            len(r.get("results", {}).get("failed_checks", [])) for r in data if isinstance(r, dict)
        )
        return {"failed_checks": failed}
    if isinstance(data, dict) and "results" in data:
        return {"failed_checks": len(data["results"].get("failed_checks", []))}
    return {}


def count_files(directory: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(directory))


def faasguard_cmd(base: Sequence[str], directory: Path, output: Path) -> list[str]:
    return [*base, "scan", str(directory), "--format", "json", "--output", str(output)]


def checkov_cmd(checkov: str, directory: Path, output: Path) -> list[str]:
    # checkov prints its report on stdout; a shell-free wrapper writes it to ``output``
    inner = [
        checkov, "-d", str(directory), "--framework", CHECKOV_FRAMEWORKS,
        "--quiet", "--compact", "-o", "json",
    ]  # fmt: skip
    code = (
        "import subprocess, sys\n"
        f"with open({str(output)!r}, 'wb') as out:\n"
        f"    sys.exit(subprocess.call({inner!r}, stdout=out))\n"
    )
    return [sys.executable, "-c", code]


@dataclass
class Tree:
    label: str
    path: Path
    templates: int = 0
    functions: int = 0


def prepare_trees(args: argparse.Namespace, workdir: Path) -> list[Tree]:
    if args.tree is not None:
        return [Tree("tree", args.tree.resolve())]
    sizes = [("1/4", 4), ("1/2", 2), ("full", 1)] if args.scaling else [("full", 1)]
    trees: list[Tree] = []
    for label, divisor in sizes:
        templates = max(1, args.templates // divisor)
        functions = max(templates, args.functions // divisor)
        path = workdir / f"tree-{divisor}"
        started = time.perf_counter()
        stats = generate.generate(path, templates, functions, args.seed)
        print(
            f"generated {label:>4} tree: {templates} templates, {functions} functions, "
            f"{stats.files} files in {time.perf_counter() - started:.1f}s",
            file=sys.stderr,
        )
        trees.append(Tree(label, path, templates, functions))
    return trees


def run_benchmark(args: argparse.Namespace) -> list[Case]:
    base = (
        shlex.split(args.faasguard_cmd)
        if args.faasguard_cmd
        else [sys.executable, "-m", "faasguard"]
    )
    checkov = None if args.no_checkov else args.checkov or shutil.which("checkov")
    cases: list[Case] = []
    with tempfile.TemporaryDirectory(prefix="faasguard-bench-") as tmp:
        work = Path(tmp)
        out = work / "report.json"
        empty = work / "empty"
        empty.mkdir()
        cases.append(
            measure(
                Case("startup (empty dir)", "faasguard", str(empty), 0),
                faasguard_cmd(base, empty, out),
                args.runs,
                out,
            )
        )
        examples = REPO / "examples"
        if examples.is_dir():
            cases.append(
                measure(
                    Case("examples/", "faasguard", str(examples), count_files(examples)),
                    faasguard_cmd(base, examples, out),
                    args.runs,
                    out,
                )
            )
        checkov_out = work / "checkov.json"
        for tree in prepare_trees(args, work):
            files = count_files(tree.path)
            label = f"generated {tree.label}"
            case = Case(label, "faasguard", str(tree.path), files, tree.templates, tree.functions)
            jobs = [(case, faasguard_cmd(base, tree.path, out), args.runs, out)]
            if checkov:
                ck = Case(label, "checkov", str(tree.path), files, tree.templates, tree.functions)
                jobs.append((ck, checkov_cmd(checkov, tree.path, checkov_out), args.checkov_runs,
                             checkov_out))  # fmt: skip
            for measured in measure_alternating(jobs):
                cases.append(measured)
                print(f"{label}: {measured.tool} {measured.median:.2f}s", file=sys.stderr)
    if checkov:
        cases.insert(1, _checkov_startup(checkov, args.checkov_runs))
    _set_startup(cases)
    return cases


def _checkov_startup(checkov: str, runs: int) -> Case:
    with tempfile.TemporaryDirectory(prefix="faasguard-bench-") as tmp:
        empty = Path(tmp) / "empty"
        empty.mkdir()
        case = Case("startup (empty dir)", "checkov", str(empty), 0)
        return measure(case, checkov_cmd(checkov, empty, Path(tmp) / "out.json"), runs)


def _set_startup(cases: list[Case]) -> None:
    startups = {c.tool: c.median for c in cases if c.name.startswith("startup") and c.ok}
    for case in cases:
        if not case.name.startswith("startup"):
            case.startup_s = startups.get(case.tool)


def markdown(cases: list[Case]) -> str:
    lines = [
        "| case | tool | files | functions | median s | min s | max s | s/100 files"
        " | net s/100 files | peak MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in cases:
        if not c.ok:
            lines.append(
                f"| {c.name} | {c.tool} | {c.files} | {c.functions} | failed: {c.error} ||||||"
            )
            continue
        times = [r.seconds for r in c.runs]
        per, net = _fmt(c.per_100_files), _fmt(c.net_per_100_files)
        lines.append(
            f"| {c.name} | {c.tool} | {c.files} | {c.functions or ''} | {c.median:.3f} | "
            f"{min(times):.3f} | {max(times):.3f} | {per} | {net} | {c.peak_rss_mb:.0f} |"
        )
    comparisons = comparison_rows(cases)
    if comparisons:
        lines += [
            "",
            "| tree | faasguard s | checkov s | checkov / faasguard |",
            "|---|---:|---:|---:|",
        ]
        lines += [
            f"| {name} | {fg:.3f} | {ck:.3f} | {ratio:.1f}x |"
            for name, fg, ck, ratio in comparisons
        ]
    scaling = scaling_note(cases)
    if scaling:
        lines += ["", scaling]
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def comparison_rows(cases: list[Case]) -> list[tuple[str, float, float, float]]:
    ours = {c.name: c for c in cases if c.tool == "faasguard" and c.ok}
    rows = []
    for c in cases:
        if c.tool == "checkov" and c.ok and c.name in ours and ours[c.name].median > 0:
            fg = ours[c.name].median
            rows.append((c.name, fg, c.median, c.median / fg))
    return rows


def scaling_note(cases: list[Case]) -> str:
    """How far net seconds per 100 files drift between the generated trees (flat = linear)."""
    generated = [
        c for c in cases if c.tool == "faasguard" and c.ok and c.name.startswith("generated")
    ]
    if len(generated) < 2:
        return ""
    per = [
        c.net_per_100_files if c.net_per_100_files is not None else c.per_100_files or 0.0
        for c in generated
    ]
    spread = (max(per) - min(per)) / max(per) if max(per) else 0.0
    parts = ", ".join(f"{c.name.split()[-1]}: {p:.3f}" for c, p in zip(generated, per, strict=True))
    return (
        f"faasguard seconds per 100 files, net of startup ({parts}); "
        f"spread {spread:.0%} (a flat rate means time is linear in files)."
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions per case (median)")
    parser.add_argument("--checkov-runs", type=int, default=None, help="default: --runs")
    parser.add_argument("--templates", type=int, default=generate.DEFAULT_TEMPLATES)
    parser.add_argument("--functions", type=int, default=generate.DEFAULT_FUNCTIONS)
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--tree", type=Path, help="scan this tree instead of generating one")
    parser.add_argument("--no-scaling", dest="scaling", action="store_false", help="skip 1/4, 1/2")
    parser.add_argument("--checkov", help="checkov executable (default: checkov on PATH, if any)")
    parser.add_argument("--no-checkov", action="store_true", help="skip checkov even if found")
    parser.add_argument("--faasguard-cmd", help='command prefix, default: "python -m faasguard"')
    parser.add_argument("--json", type=Path, help="also write results as JSON to this file")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.checkov_runs is None:
        args.checkov_runs = args.runs
    if args.tree is not None and not args.tree.is_dir():
        parser.error(f"--tree {args.tree} is not a directory")
    return args


def compile_bytecode() -> None:
    """Compile faasguard's modules as `pip install` does, so runs do not pay for it.

    Checkov, installed by pip, has its bytecode; an editable faasguard under
    PYTHONDONTWRITEBYTECODE=1 would otherwise recompile ~100 modules in every run.
    """
    import faasguard

    package = Path(faasguard.__file__).resolve().parent
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], env=env, check=False)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    compile_bytecode()
    cases = run_benchmark(args)
    print(markdown(cases))
    if args.json:
        payload = {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "runs": args.runs,
            "cases": [c.to_dict() for c in cases],
            "comparisons": [
                {"tree": n, "faasguard_s": f, "checkov_s": c, "ratio": r}
                for n, f, c, r in comparison_rows(cases)
            ],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0 if all(c.ok for c in cases) else 2


if __name__ == "__main__":
    raise SystemExit(main())
