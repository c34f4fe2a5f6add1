"""Progress of long work: a bar on a terminal, plain lines in a log, nothing when quiet."""

from __future__ import annotations

import io

from explorer import progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_lines_name_each_step_its_count_and_time():
    lines: list[str] = []
    rep = progress.reporter(lines.append)
    rep("removed a leftover build file")
    with rep.step("loading 2020q1", total=7, unit="files") as step:
        for _ in range(7):
            step.advance()
    assert lines[0] == "removed a leftover build file"
    assert lines[1] == "loading 2020q1 (7 files) ..."
    assert lines[2].startswith("loading 2020q1: done (7 files, ") and lines[2].endswith(" s)")


def test_quiet_shows_nothing():
    out = _Tty()
    rep = progress.for_terminal(quiet=True, stream=out)
    rep("a note")
    with rep.step("work", total=3, unit="rows") as step:
        step.advance(3)
    assert out.getvalue() == ""
    assert isinstance(progress.reporter(None), progress.Reporter)


def test_a_pipe_gets_plain_lines_and_a_terminal_a_bar():
    piped = io.StringIO()
    rep = progress.for_terminal(quiet=False, stream=piped)
    assert isinstance(rep, progress.LineReporter)
    with rep.step("rebuilding the model", total=4, unit="steps") as step:
        step.advance(4)
    assert "rebuilding the model (4 steps) ..." in piped.getvalue()
    assert "\x1b[" not in piped.getvalue()  # no terminal control codes in a log

    tty = _Tty()
    bar = progress.for_terminal(quiet=False, stream=tty)
    assert isinstance(bar, progress.BarReporter)
    with bar.step("loading", total=10, unit="files") as step:
        step.advance(10)
    shown = tty.getvalue()
    assert "loading" in shown and "10/10" in shown and "files" in shown


def test_the_cli_reports_long_work_in_a_log_and_nothing_when_quiet(tmp_path):
    import subprocess
    import sys

    def synth(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "explorer", "synth", str(tmp_path / "q"), "--quarters",
                               "2020q1", "--scale", "0.0005", *extra], capture_output=True, text=True, timeout=300)

    shown = synth()
    assert shown.returncode == 0, shown.stderr
    assert "writing 1 synthetic quarter(s) (1 quarters) ..." in shown.stderr
    assert "writing 1 synthetic quarter(s): done (1 quarters, " in shown.stderr
    quiet = synth("--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_our_connections_never_print_duckdbs_own_progress_bar(demo_db):
    """DuckDB prints its progress bar to stdout during long queries: across our own progress output and into what
    a script reads from stdout (a benchmark once failed to parse a load's JSON summary for it)."""
    from explorer.store.reader import connect, connect_isolated

    for con in (connect(demo_db), connect_isolated(demo_db)):
        try:
            assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False
        finally:
            con.close()
