"""Property-based: mutated real FAERS lines and random bytes never crash the loader, lose a line, or touch the
database on a failed load."""

from __future__ import annotations

import hashlib
import io
import zipfile

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.errors import InputError
from explorer.ingest.lines import clean_table
from explorer.store.loader import load

from .conftest import SAMPLES

REAL = {
    "demo": (SAMPLES / "2020q3-excerpt" / "DEMO20Q3.txt").read_bytes().split(b"\r\n")[:40],
    "drug": (SAMPLES / "2012q4-head" / "drug12q4-first100.txt").read_bytes().split(b"\r\n")[:40],
    "reac": (SAMPLES / "2020q3-excerpt" / "REAC20Q3.txt").read_bytes().split(b"\n")[:40],
} if SAMPLES.is_dir() else {}

NASTY = st.sampled_from([b"\n", b"\r", b"\r\n", b"$", b"$$", b"\x00", b"\x08", b"\x7f", b"\xe9", b"\xc3\xa9",
                         b"\xff", b"\xef\xbb\xbf", b" ", b"?", b"\t", b"9"])


@st.composite
def mutated_file(draw):
    table = draw(st.sampled_from(sorted(REAL)))
    header, body = REAL[table][0], list(REAL[table][1:])
    for _ in range(draw(st.integers(0, 8))):
        i = draw(st.integers(0, len(body) - 1))
        line = body[i]
        op = draw(st.sampled_from(["insert", "delete", "truncate", "duplicate", "join"]))
        if op == "insert":
            k = draw(st.integers(0, len(line)))
            body[i] = line[:k] + draw(NASTY) + line[k:]
        elif op == "delete" and line:
            k = draw(st.integers(0, len(line) - 1))
            body[i] = line[:k] + line[k + 1:]
        elif op == "truncate":
            body[i] = line[: draw(st.integers(0, len(line)))]
        elif op == "duplicate":
            body.insert(i, line)
        elif op == "join" and i + 1 < len(body):
            body[i:i + 2] = [line + body[i + 1]]
    eol = draw(st.sampled_from([b"\n", b"\r\n"]))
    end = draw(st.sampled_from([eol, b""]))
    return table, header + eol + eol.join(body) + end


def check_output(res, out: bytes, n_fields: int):
    assert res.lines == (res.rows - res.rejoined) + res.joined_lines + res.blank + len(res.rejects)
    written = out.decode("utf-8").split("\n")[:-1] if out else []
    assert len(written) == res.rows
    for line in written:
        assert line.count("$") == n_fields - 1 + (1 if res.trailing else 0)
        assert not any(ord(ch) < 32 and ch != "\t" for ch in line)
        assert line.split("$", 1)[0].strip().isdigit()


@pytest.mark.skipif(not REAL, reason="needs ../shared/faers/samples")
@settings(max_examples=300, deadline=None)
@given(mutated_file())
def test_mutated_real_lines_are_loaded_or_rejected(case):
    table, data = case
    out = io.BytesIO()
    res = clean_table(io.BytesIO(data), out, table, "MUTATED.txt")
    check_output(res, out.getvalue(), len(res.columns))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["demo", "reac", "outc"]))
def test_random_bytes_fail_cleanly_or_load(data, table):
    out = io.BytesIO()
    try:
        res = clean_table(io.BytesIO(data), out, table, "RANDOM.txt")
    except InputError as e:
        assert "RANDOM.txt" in str(e) and "\n" not in str(e)
        return
    check_output(res, out.getvalue(), len(res.columns))


@pytest.fixture(scope="module")
def base_db(tmp_path_factory, samples):
    db = tmp_path_factory.mktemp("prop") / "base.duckdb"
    load([samples / "zips" / "faers_ascii_2017q2.zip"], db)
    return db


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(member=st.binary(max_size=300), name=st.sampled_from(["ascii/DEMO20Q1.txt", "ascii/REAC20Q1.txt"]))
def test_a_failed_load_never_changes_the_database(base_db, tmp_path_factory, member, name):
    work = tmp_path_factory.mktemp("p")
    db = work / "f.duckdb"
    db.write_bytes(base_db.read_bytes())
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    z = work / "faers_ascii_2020q1.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr(name, member)
        if "REAC" in name:
            zf.writestr("ascii/DEMO20Q1.txt", "primaryid$caseid$caseversion\n11$1$1\n")
    try:
        summary = load([z], db)
    except InputError:
        assert hashlib.sha256(db.read_bytes()).hexdigest() == before
        return
    con = duckdb.connect(str(db), read_only=True)
    unaccounted = con.execute(
        "SELECT sum(lines_read - (rows_loaded - lines_rejoined + lines_in_rejoined + rows_rejected + blank_lines)) "
        "FROM load_log WHERE quarter = '2020q1'").fetchone()[0]
    assert summary.loaded == ["2020q1"] and unaccounted == 0
