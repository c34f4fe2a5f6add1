"""Finding quarters in zips and folders, and refusing bad ones with a one-line error."""

from __future__ import annotations

import zipfile

import pytest

from explorer.errors import InputError
from explorer.ingest.sources import discover

from .helpers import report, write_quarter


def test_real_zips_and_folders_are_found(samples):
    qs = discover([samples / "zips" / "aers_ascii_2004q1.zip", samples / "zips" / "faers_ascii_2017q2.zip",
                   samples / "2012q4-head", samples / "2020q3-excerpt"])
    assert [q.quarter for q in qs] == ["2004q1", "2012q4", "2017q2", "2020q3"]
    assert all(set(q.files) == {"demo", "drug", "reac", "outc", "rpsr", "ther", "indi"} for q in qs)
    assert all(len(q.sha256) == 64 for q in qs)


def test_folder_of_zips_upper_case_q_and_ascii_folder(tmp_path):
    z = write_quarter(tmp_path / "in", "2020q3", {"demo": [report("11", "1", "1")]})
    z.rename(z.with_name("faers_ascii_2020Q3.zip"))
    (qs,) = discover([tmp_path / "in"])
    assert qs.quarter == "2020q3" and qs.files["demo"].name.endswith("ASCII/DEMO20Q3.txt")


def test_demo_new_file_replaces_the_original(tmp_path):
    z = write_quarter(tmp_path, "2018q1", {"demo": [report("11", "1", "1")]})
    with zipfile.ZipFile(z, "a") as zf:
        zf.writestr("ascii/DEMO18Q1.txt", "broken")
    (q,) = discover([z])
    assert q.files["demo"].name.endswith("DEMO18Q1_new.txt")


def test_deleted_list_is_found(tmp_path):
    z = write_quarter(tmp_path, "2019q1", {"demo": [report("11", "1", "1")]}, deleted=["5"])
    (q,) = discover([z])
    assert [d.name.split(":")[1] for d in q.deleted] == ["Deleted/DELETE19Q1.txt"]


def _file(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _bad_zip(tmp_path, name, members):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: _file(p, "faers_ascii_2020q1.zip", b""), "empty file"),
        (lambda p: _file(p, "faers_ascii_2020q1.zip", b"not a zip at all"), "not a zip file"),
        (lambda p: _bad_zip(p, "faers_ascii_2020q1.zip", {"README.pdf": "x"}), "no FAERS tables"),
        (lambda p: _bad_zip(p, "faers_ascii_2020q1.zip", {"../DEMO20Q1.txt": "x"}), "unsafe path"),
        (lambda p: _bad_zip(p, "faers_ascii_2020q1.zip", {"/abs/DEMO20Q1.txt": "x"}), "unsafe path"),
        (lambda p: _bad_zip(p, "faers_ascii_2020q1.zip", {"ascii/DRUG20Q1.txt": "x"}), "no DEMO table"),
        (lambda p: _bad_zip(p, "faers_ascii_2020q1.zip", {"ascii/DEMO19Q4.txt": "x"}), "named for 2020q1"),
        (lambda p: (p / "empty").mkdir() or p / "empty", "no FAERS quarter in this folder"),
        (lambda p: p / "missing.zip", "no such file"),
    ],
)
def test_bad_sources(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(InputError) as err:
        discover([path])
    assert message in str(err.value) and str(path.name) in str(err.value) and "\n" not in str(err.value)


def test_truncated_zip(tmp_path):
    z = write_quarter(tmp_path, "2020q1", {"demo": [report("11", "1", "1")]})
    data = z.read_bytes()
    z.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="not a zip file"):
        discover([z])


def test_same_quarter_twice(tmp_path):
    a = write_quarter(tmp_path / "a", "2020q1", {"demo": [report("11", "1", "1")]})
    b = write_quarter(tmp_path / "b", "2020q1", {"demo": [report("11", "1", "1")]}, as_zip=False)
    with pytest.raises(InputError, match="quarter 2020q1 is also in"):
        discover([a, b])


@pytest.mark.parametrize("stray", ["DEMO19Q4.txt", "0copy/DEMO19Q4.txt", "zz/demo19q4.TXT"])
def test_a_stray_second_copy_of_a_table_is_an_error_naming_both(tmp_path, stray):
    # issue 14: a partial DEMO19Q4.txt beside ASCII/DEMO19Q4.txt silently won or lost by folder order
    base = write_quarter(tmp_path, "2019q4", {"demo": [report(f"{i}1", str(i), "1") for i in range(1, 9)]},
                         as_zip=False)
    full = base / "ASCII" / "DEMO19Q4.txt"
    copy = base / stray
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(full.read_bytes()[:120])
    with pytest.raises(InputError) as err:
        discover([base])
    message = str(err.value)
    assert str(full) in message and str(copy) in message and "\n" not in message


def test_two_copies_of_a_table_in_one_zip_or_of_a_deleted_list(tmp_path):
    z = _bad_zip(tmp_path, "faers_ascii_2019q4.zip", {"ASCII/DEMO19Q4.txt": b"primaryid$caseid\n1$1\n",
                                                       "DEMO19Q4.txt": b"primaryid$caseid\n"})
    with pytest.raises(InputError, match="a second DEMO table for 2019q4"):
        discover([z])
    z = _bad_zip(tmp_path, "faers_ascii_2019q3.zip", {"ASCII/DEMO19Q3.txt": b"primaryid$caseid\n1$1\n",
                                                       "Deleted/DELETE19Q3.txt": b"\n1\n",
                                                       "ASCII/DELETE19Q3.txt": b"\n1\n"})
    with pytest.raises(InputError, match="second copy of the 2019q3 deleted-case list"):
        discover([z])
    # FDA's re-issued DEMO18Q1_new.txt still replaces DEMO18Q1.txt, in either order
    z = _bad_zip(tmp_path, "faers_ascii_2018q1.zip", {"ascii/DEMO18Q1_new.txt": b"primaryid$caseid\n1$1\n",
                                                       "ascii/DEMO18Q1.txt": b"primaryid$caseid\n"})
    assert discover([z])[0].files["demo"].name.endswith("DEMO18Q1_new.txt")
