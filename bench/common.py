"""Helpers shared by the benchmarks: measured subprocesses, machine description, the BENCHMARKS.md writer."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "bench" / ".cache"
RESULTS = REPO / "bench" / "results"

_WRAPPER = """
import atexit, resource, sys
atexit.register(lambda: print(f"@@maxrss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr))
code = sys.argv[1]
sys.argv = sys.argv[1:]
exec(compile(code, "<bench>", "exec"))
"""


def measured(code: str, *args: str) -> tuple[float, float, str]:
    """Run Python ``code`` (with ``args`` as sys.argv[1:]) in a fresh process; return (seconds, peak MB, stdout)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, code, *args], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark step failed:\n{proc.stderr[-3000:]}")
    peak = max(int(line.split("=")[1]) for line in proc.stderr.splitlines() if line.startswith("@@maxrss_kb="))
    return seconds, peak / 1024, proc.stdout


def cli(*argv: str) -> tuple[float, float, str]:
    """Run ``python -m explorer ARGV`` measured."""
    return measured("from explorer.cli import main; import sys; sys.exit(main(sys.argv[1:]))", *argv)


def machine() -> dict:
    """The machine the numbers were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import duckdb
    import pandas

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=REPO).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_gb, 1), "python": platform.python_version(),
            "duckdb": duckdb.__version__, "pandas": pandas.__version__, "os": platform.platform(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "commit": commit}


def median_spread(values: list[float]) -> str:
    """'median (min-max)' of repeated timings."""
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def save(name: str, data: dict) -> None:
    """Store one benchmark's results for the report (bench/results/NAME.json)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n")


def count_pairs(con) -> None:
    """(Re)create the temp table ``pair_counts`` of a built store, as the build does: every ingredient-PT pair's
    case count with its margins (to time that step alone)."""
    from explorer.store.build import core_statement, define_macros

    define_macros(con)
    for name in ("pair_case_counts", "ingredient_case_counts", "pair_counts"):
        con.execute(core_statement(name))


def put_section(begin: str, end: str, lines: list[str]) -> None:
    """Put a benchmark's section (between its markers) into BENCHMARKS.md: replacing its earlier one, or before the
    notes when it is new."""
    path = REPO / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    block = "\n".join([begin, *lines, end])
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    elif "\n## Notes" in text:
        i = text.index("\n## Notes")
        text = text[:i + 1] + block + "\n\n" + text[i + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


@contextlib.contextmanager
def serving(db: str | Path, root: Path = REPO) -> Iterator[str]:
    """The dashboard of the checkout ``root`` served on ``db`` on a free local port, in a process group of its own;
    yields its URL once it answers, and ends the group (the server and its children) when the block ends."""
    import signal
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(root / "explorer" / "app" / "main.py"), "--server.port",
         str(port), "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats",
         "false", "--server.fileWatcherType", "none"],
        env={**os.environ, "EXPLORER_DB": str(Path(db).resolve()), "PYTHONPATH": str(root)}, cwd=root,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
