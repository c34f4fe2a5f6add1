"""Turn one raw FAERS table file into clean UTF-8 lines with exactly the header's field count.

FAERS files are ``$``-delimited without quoting, and their bytes break naive readers: CRLF or LF, a UTF-8 BOM,
latin-1/cp1252 bytes, control characters, records split by embedded newlines, an optional trailing ``$`` on some
lines, ``$`` inside values, a last record cut off mid-line. This module streams a file in large chunks; lines that
are already well formed (nearly all of them) are copied as they are, and every other line is repaired or rejected
with a reason, so each physical line ends up either in the clean output or in the list of rejects.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from itertools import repeat
from typing import IO, BinaryIO

from explorer.errors import InputError
from explorer.ingest.layouts import map_header

READ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error)
"""What reading a damaged zip member or file raises: CRC and truncation errors, bad deflate data, OS errors."""

CHUNK = 32 << 20
MAX_JOIN = 20
"""At most this many physical lines are rejoined into one record."""
MAX_LINE = 8 << 20
"""Longest record loaded, in bytes. DuckDB reads lines up to 16 MB and a latin-1 line can double in UTF-8, so a longer
line is rejected with its reason rather than failing the load."""
MAX_CASEID = (1 << 63) - 1
"""The model keeps caseid as a BIGINT: a DEMO caseid (or a deleted caseid) above this cannot be a FAERS case number."""
DOLLAR = b"\x1f"
"""Stands for a ``$`` inside a value in the cleaned lines (control characters never reach them); the loader turns it
back into ``$``."""

_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_CONTROL_STR = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# Bytes that need no attention: printable ASCII, tab and newline.
_PLAIN = bytes(range(0x20, 0x7F)) + b"\t\n"
# A line whose first field is not a number (after optional spaces) cannot be a record.
_BAD_KEY = re.compile(rb"\n(?! *\d+ *\$)(?=[^\n])")  # (the first line is checked apart)
# In DEMO the second field is the case number: digits, or empty (a report without a case is counted apart). Lines
# with 19 digits or more are looked at one by one (a BIGINT holds every 18-digit number, not every 19-digit one).
_BAD_CASE_KEY = re.compile(rb"\n(?! *\d+ *\$ *\d{0,18} *\$)(?=[^\n])")
CASE_KEY_TABLES = ("demo",)
# A bare CR (not part of CRLF) followed by a record's key ends a line: FAERS records separated by old-Mac line ends
# would otherwise be joined into one line and rejected together. Any other bare CR is a control character in a value.
_CR_BEFORE_KEY = re.compile(rb"\r(?= *\d+ *\$)")

# Repairs: a line with one '$' too many is loaded only if joining two fields at a free-text column gives a line whose
# every other value is valid in its own column (FORMAT.md: DEMO12Q1 mfr_num `JP-CUBIST-$E2B0000000182`), and no other
# way of reading the line is valid too. Otherwise it is rejected: a shifted column is never loaded. Every free-text
# column is a candidate, because a '$' can sit in any of them: when two free-text values are next to each other
# (mfr_num and a non-empty mfr_sndr), the '$' could belong to either, and the line is rejected rather than guessed.
JOINABLE = frozenset({"auth_num", "mfr_num", "mfr_sndr", "lit_ref", "image", "drugname", "prod_ai", "route",
                      "dose_vbm", "cum_dose_chr", "cum_dose_unit", "lot_num", "dose_unit", "dose_form", "dose_freq",
                      "pt", "drug_rec_act", "indi_pt"})


def _codes(*values: str) -> re.Pattern:
    return re.compile("|".join(re.escape(v) for v in values), re.IGNORECASE)


# Columns FDA fills in every record: a reading of a repaired line that leaves one empty is not valid (a '$' between
# two fields shifts the values after it by one, and a free-text column further on could otherwise absorb the shift).
REQUIRED = frozenset({"drug_seq", "role_cod", "pt", "outc_cod", "rpsr_cod", "indi_pt"})
_DATE = re.compile(r"\d{4}(?:\d{2}){0,2}(?:\.0)?")
_INT = re.compile(r"\d+(?:\.0)?")
_NUMBER = re.compile(r"\d*\.?\d+|\d+\.")
_YN = _codes("Y", "N")
_WORDS = re.compile(r".*[^\W\d_].*")  # text that has a letter in it (routes, units, forms, PTs)
# Values each column can hold (FORMAT.md "Codes"; dates YYYYMMDD, YYYYMM or YYYY), checked only on lines being
# repaired. An empty value is valid everywhere.
VALID: dict[str, re.Pattern] = {
    "caseversion": _INT, "foll_seq": _INT, "drug_seq": _INT, "dsg_drug_seq": _INT, "indi_drug_seq": _INT,
    "nda_num": _INT,
    "event_dt": _DATE, "mfr_dt": _DATE, "init_fda_dt": _DATE, "fda_dt": _DATE, "rept_dt": _DATE, "death_dt": _DATE,
    "exp_dt": _DATE, "start_dt": _DATE, "end_dt": _DATE,
    "age": _NUMBER, "wt": _NUMBER, "dur": _NUMBER, "dose_amt": _NUMBER,
    "i_f_code": _codes("I", "F"), "rept_cod": _codes("EXP", "PER", "DIR", "5DAY", "30DAY"),
    "occp_cod": _codes("MD", "PH", "OT", "LW", "CN", "HP"), "role_cod": _codes("PS", "SS", "C", "I", "DN"),
    "outc_cod": _codes("DE", "LT", "HO", "DS", "CA", "RI", "OT"),
    "rpsr_cod": _codes("FGN", "SDY", "LIT", "CSM", "HP", "UF", "CR", "DT", "OTH"),
    "age_cod": _codes("DEC", "YR", "YRS", "MON", "WK", "DY", "HR"), "age_grp": _codes("N", "I", "C", "T", "A", "E"),
    "sex": _codes("F", "M", "UNK", "NS"), "wt_cod": _codes("KG", "LBS", "GMS"),
    "dechal": _codes("Y", "N", "U", "D"), "rechal": _codes("Y", "N", "U", "D"), "val_vbm": _codes("1", "2"),
    "dur_cod": _codes("YR", "MON", "WK", "DAY", "HR", "MIN", "SEC"), "e_sub": _YN, "to_mfr": _YN, "confid": _YN,
    "route": _WORDS, "dose_unit": _WORDS, "cum_dose_unit": _WORDS, "dose_form": _WORDS, "dose_freq": _WORDS,
    "pt": _WORDS, "indi_pt": _WORDS, "drug_rec_act": _WORDS, "mfr_sndr": _WORDS,
    # ISO/GENC codes, or (legacy AERS) country names: letters, never digits
    "reporter_country": re.compile(r"[A-Za-z][A-Za-z .,'()&-]+"),
    "occr_country": re.compile(r"[A-Za-z][A-Za-z .,'()&-]+"),
}


@dataclass
class Reject:
    """A physical line that was not loaded, and why."""

    line_no: int
    raw: str
    reason: str


@dataclass
class CleanResult:
    """What happened to one file.

    Every physical data line is accounted for:
    ``lines == (rows - rejoined) + joined_lines + blank + len(rejects)``.
    """

    columns: list[str | None]
    trailing: bool  # True if the written lines end with an extra "$" (one more, always empty, field)
    rows: int = 0
    lines: int = 0  # physical data lines read (header excluded, blank lines included)
    blank: int = 0
    rejoined: int = 0  # records rebuilt from several physical lines
    joined_lines: int = 0  # the physical lines that went into them
    repaired: int = 0
    rejects: list[Reject] = field(default_factory=list)
    unterminated: bool = False  # the last line had no line terminator (loaded if it is a complete record)
    dollars: int = 0  # lines loaded with a '$' inside a value (written as DOLLAR)
    sha256: str = ""
    nbytes: int = 0


def decode_line(raw: bytes) -> str:
    """Decode one line: UTF-8 when it is valid UTF-8, else Windows-1252 (latin-1 for its five holes)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="strict") if _cp1252_ok(raw) else raw.decode("latin-1")


def _cp1252_ok(raw: bytes) -> bool:
    return not any(b in raw for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"))


def _sanitize(raw: bytes) -> bytes:
    """Return valid UTF-8 with control characters (CR, NUL, backspace, DEL, ...) replaced by spaces."""
    if raw.isascii():
        return _CONTROL.sub(b" ", raw)
    return _CONTROL_STR.sub(" ", decode_line(raw)).encode("utf-8")


class _Cleaner:
    """Applies the per-line rules of one file; keeps no state between chunks but the counts."""

    def __init__(self, columns: list[str | None], trailing: bool, result: CleanResult, case_key: bool = False) -> None:
        self.columns = columns
        self.n = len(columns)
        self.trailing = trailing
        self.res = result
        self.case_key = case_key
        self.bad_key = _BAD_CASE_KEY if case_key else _BAD_KEY
        self.last_unterminated = False  # set by clean_table for the chunk that holds the file's unterminated last line

    def key_problem(self, line: bytes) -> str | None:
        """Why the line's key fields cannot be a record's, or None."""
        fields = line.split(b"$", 2)
        if not fields[0].strip().isdigit():
            return "first field (primaryid/ISR) is not a number"
        if self.case_key and len(fields) > 1 and fields[1].strip():
            case = fields[1].strip()
            if not case.isdigit():
                return "caseid (second field) is not a number"
            if len(case) > 19 or int(case) > MAX_CASEID:
                return f"caseid (second field) has {len(case)} digits: larger than any case number (at most 19 " \
                       f"digits, up to {MAX_CASEID})"
        return None

    def fits(self, line: bytes) -> str | None:
        """Return "ok" if the line has the file's form, "other" if it has the other valid form, else None."""
        c = line.count(b"$")
        if c == self.n - 1:
            return "other" if self.trailing else "ok"
        if c == self.n and line.endswith(b"$"):
            return "ok" if self.trailing else "other"
        return None

    def accept(self, line: bytes) -> tuple[bytes, None] | tuple[None, str]:
        """The line to write for a (sanitized) line that has at least the header's field count, or why it cannot be.

        A line of the file's form is written as it is; a legacy line without its trailing ``$`` gets it. Any line with
        one ``$`` more than the file's form (including a current-layout line that ends in ``$``, which may be an
        extra ``$`` at its end or a ``$`` inside a value before an empty last field) goes through :meth:`repair`.
        """
        form = self.fits(line)
        if form == "ok":
            return line, None
        if form == "other" and self.trailing:
            return line + b"$", None
        return self.repair(line)

    def readings(self, fields: list[bytes], trailing: bool) -> list[tuple[tuple[bytes, ...], bool]]:
        """The valid ways to read a line's fields with one ``$`` too many: (values, whether a '$' was kept in one)."""
        bases = [fields]
        if not fields[-1].strip():  # an extra '$' at the end of the line: the file's own, or a stray one
            bases = [fields[:-1]] if trailing else [fields, fields[:-1]]
        found: dict[tuple[bytes, ...], bool] = {}
        for base in bases:
            extra = len(base) - self.n
            if extra == 0:
                found.setdefault(tuple(base), False)
            elif extra == 1 and (trailing or base is fields):  # one repair per line: a stray end '$' or a join
                for i, col in enumerate(self.columns):
                    # a '$' inside a value has text on both sides of it
                    if col in JOINABLE and base[i].strip() and base[i + 1].strip():
                        found.setdefault(tuple(base[:i] + [base[i] + DOLLAR + base[i + 1]] + base[i + 2:]), True)
        return [(r, joined) for r, joined in found.items() if self._valid(r)]

    def repair(self, line: bytes) -> tuple[bytes, None] | tuple[None, str]:
        """Put every value of a line with one ``$`` too many in its own column, or say why that cannot be done."""
        fields = line.split(b"$")
        found = len(fields) - 1
        want = self.n - (0 if self.trailing else 1)
        valid = self.readings(fields, self.trailing)
        if len(valid) == 1:
            values, joined = valid[0]
            self.res.dollars += joined
            return b"$".join(values) + (b"$" if self.trailing else b""), None
        if not valid:
            return None, (f"too many fields: expected {want} '$', found {found}, and no reading of the line puts "
                          "every value in a valid column ('$' inside a value, or two records on one line)")
        return None, (f"too many fields: expected {want} '$', found {found}, and the line reads {len(valid)} valid "
                      "ways ('$' inside a value, or an extra '$' at its end): not loaded rather than risk a shifted "
                      "column")

    def _valid(self, values: tuple[bytes, ...]) -> bool:
        if not values[0].strip().isdigit():
            return False
        for col, raw in zip(self.columns, values, strict=True):
            rule = VALID.get(col) if col else None
            if rule is not None or col in REQUIRED:
                v = raw.decode("utf-8", "replace").strip()
                if (not v and col in REQUIRED) or (v and rule is not None and not rule.fullmatch(v)):
                    return False
        return True

    def majority_trailing(self, lines: list[bytes]) -> bool:
        """Decide from a sample whether the file's records end with an extra ``$`` (legacy AERS) or not.

        A line ending in ``$`` with one ``$`` more than the header counts for the trailing form only if that is the one
        valid way to read it: it may be a ``$`` inside a value before an empty last field.
        """
        n = self.n
        sample = [ln.rstrip(b"\r") for ln in lines[:2000]]
        trailing = sum(1 for ln in sample if ln.count(b"$") == n and ln.endswith(b"$")
                       and [r for r, joined in self.readings(ln.split(b"$"), False)] == [tuple(ln.split(b"$")[:-1])])
        plain = sum(1 for ln in sample if ln.count(b"$") == n - 1)
        return trailing > plain

    def reject(self, line_no: int, raw: bytes, reason: str) -> None:
        if len(raw) > 4096:
            raw = raw[:4096] + b" ..."
        self.res.rejects.append(Reject(line_no, decode_line(raw), reason))

    def suspects(self, lines: list[bytes], text: bytes) -> list[int]:
        """Indices of lines that are not already clean, well-formed records (usually none)."""
        if self.trailing:
            bad = {i for i, ln in enumerate(lines) if ln.count(b"$") != self.n or not ln.endswith(b"$")}
        else:
            want = self.n - 1
            bad = {i for i, c in enumerate(map(bytes.count, lines, repeat(b"$"))) if c != want}
        if text.translate(None, _PLAIN):
            bad.update(i for i, ln in enumerate(lines) if ln.translate(None, _PLAIN))
        if len(text) > MAX_LINE and max(map(len, lines), default=0) > MAX_LINE:
            bad.update(i for i, ln in enumerate(lines) if len(ln) > MAX_LINE)
        if lines and self.key_problem(lines[0]):
            bad.add(0)
        line, pos = 0, 0
        for m in self.bad_key.finditer(text):  # usually none; each match is the newline before a line with a bad key
            line += text.count(b"\n", pos, m.start()) + 1
            pos = m.start() + 1
            if line < len(lines):
                bad.add(line)
        if self.last_unterminated and lines:
            bad.add(len(lines) - 1)  # looked at on its own, so that its fate is recorded
        return sorted(bad)

    def run(self, lines: list[bytes], text: bytes, first_line_no: int, final: bool) -> tuple[list[bytes] | None, int]:
        """Clean a list of physical lines (``text`` is the same lines joined by newlines).

        Returns the lines to write (None: all of them, unchanged) and how many input lines were consumed; the rest
        (a record that may continue in the next chunk) is for the caller to prepend to the next chunk.
        """
        bad = self.suspects(lines, text)
        if not bad:
            self.res.rows += len(lines)
            return None, len(lines)
        out: list[bytes] = []
        total = len(lines)
        want = self.n - 1
        i = 0
        for b in bad:
            if b < i:
                continue  # already consumed by a rejoin
            out.extend(lines[i:b])
            self.res.rows += b - i
            i = b
            raw = lines[i]
            line_no = first_line_no + i
            last = self.last_unterminated and i == total - 1

            def truncated(problem: str, last: bool = last) -> str:
                return f"last line has no line terminator and {problem}: the file is truncated" if last else problem
            if not raw.strip():
                self.res.blank += 1
                i += 1
                continue
            if len(raw) > MAX_LINE:
                self.reject(line_no, raw, f"line of {len(raw):,} bytes: longer than the {MAX_LINE >> 20} MB a "
                                          "record may have")
                i += 1
                continue
            line = _sanitize(raw)
            c = line.count(b"$")
            if c > want or self.fits(line) is not None:
                accepted = self.accept(line)
                problem: str | None
                if accepted[1] is not None:
                    problem, cut = accepted[1], True
                else:
                    fixed = accepted[0]
                    problem, cut = self.key_problem(fixed), False
                    if problem is None and last and not self._valid(tuple(fixed.split(b"$")[: self.n])):
                        # a record cut inside its last value has the right field count: codes, dates and numbers are
                        # checked (a cut free-text value cannot be told from a whole one)
                        problem, cut = "a value is not valid in its column", True
                    if problem is None:
                        out.append(fixed)
                        self.res.rows += 1
                        self.res.repaired += fixed != raw
                        i += 1
                        continue
                self.reject(line_no, raw, truncated(problem) if cut else problem)
                i += 1
                continue
            # Too few fields: an embedded newline split the record; rejoin it with the lines that follow.
            joined, j = line, i + 1
            complete = False
            while j < total and j - i < MAX_JOIN:
                nxt = _sanitize(lines[j])
                if self.fits(nxt) is not None and _first_field_ok(nxt):
                    break  # the next line is a record of its own, not a continuation
                joined += b" " + nxt
                j += 1
                if len(joined) > MAX_LINE:
                    break
                if self.fits(joined) is not None:
                    complete = True
                    break
                if joined.count(b"$") > want:
                    break
            if not complete and j >= total and not final and j - i < MAX_JOIN:
                return out, i  # the rest of the record may be in the next chunk
            if complete:
                rejoined, _ = self.accept(joined)
                if rejoined is not None and self.key_problem(rejoined) is None:
                    out.append(rejoined)
                    self.res.rows += 1
                    self.res.rejoined += 1
                    self.res.joined_lines += j - i
                    i = j
                    continue
            self.reject(line_no, raw, truncated(f"too few fields: expected {want} '$', found {c}, "
                                                "and the following lines do not complete it"))
            i += 1
        out.extend(lines[i:])
        self.res.rows += total - i
        return out, total


def _first_field_ok(line: bytes) -> bool:
    return line.split(b"$", 1)[0].strip().isdigit()


def clean_table(stream: IO[bytes], out: BinaryIO, table: str, where: str) -> CleanResult:
    """Read a raw FAERS table from ``stream`` and write clean lines to ``out``.

    Every written line is valid UTF-8, has no control characters and has exactly as many ``$``-separated fields as
    the header (plus one always-empty field if ``result.trailing``). Each physical input line is counted as
    written (alone or rejoined with its continuation), blank, or rejected with a reason.

    Args:
        stream: the raw bytes (a zip member or a file).
        out: where the clean lines go.
        table: FAERS table name, for the column map.
        where: the file's name in messages.

    Returns:
        The counts, the rejected lines, the column mapping, the sha256 and size of the raw bytes.

    Raises:
        InputError: empty file, no header, unknown header field, or unreadable bytes (e.g. a truncated zip member).
    """
    digest = hashlib.sha256()
    nbytes = 0

    def read() -> bytes:
        nonlocal nbytes
        try:
            block = stream.read(CHUNK)
        except READ_ERRORS as e:
            raise InputError(where, f"cannot read the file ({type(e).__name__}: {e})") from None
        digest.update(block)
        nbytes += len(block)
        return block

    pending = read()
    while b"\n" not in pending:
        more = read()
        if not more:
            break
        pending += more
    if pending.startswith(codecs.BOM_UTF8):
        pending = pending[len(codecs.BOM_UTF8):]
    if not pending.strip():
        raise InputError(where, "empty file")
    header, _, pending = pending.partition(b"\n")
    header_text = decode_line(header.rstrip(b"\r"))
    if "$" not in header_text:
        raise InputError(where, f"first line is not a '$'-delimited {table.upper()} header: {header_text[:60]!r}")
    columns = map_header(table, header_text, where)
    result = CleanResult(columns=columns, trailing=False)
    cleaner: _Cleaner | None = None
    line_no = 2
    eof = False
    while not eof:
        more = read()
        eof = not more
        pending += more
        if eof:
            text, pending = pending, b""
        else:
            cut = pending.rfind(b"\n")
            if cut < 0:
                continue
            text, pending = pending[: cut + 1], pending[cut + 1:]
        text = text.replace(b"\r\n", b"\n")
        if b"\r" in text:
            text = _CR_BEFORE_KEY.sub(b"\n", text)
        lines = text.split(b"\n")
        tail = lines.pop()  # b"" when the text ends with a newline; else an unterminated last line (at EOF)
        if eof and tail:
            # FDA's zips pass their CRC with a last line that has no terminator: it is how the file was shipped, not
            # a truncation. It is loaded if it is a complete record; only a wrong field count means a cut-off file.
            lines.append(tail)
            result.unterminated = True
        if cleaner is None:
            cleaner = _Cleaner(columns, False, result, case_key=table.lower() in CASE_KEY_TABLES)
            cleaner.trailing = result.trailing = cleaner.majority_trailing(lines)
        cleaner.last_unterminated = eof and bool(tail)
        written, consumed = cleaner.run(lines, text, line_no, final=eof)
        if written is None:
            out.write(text if text.endswith(b"\n") or not text else text + b"\n")
        elif written:
            out.write(b"\n".join(written) + b"\n")
        line_no += consumed
        result.lines += consumed
        if consumed < len(lines):
            pending = b"\n".join(lines[consumed:]) + b"\n" + pending
    result.sha256 = digest.hexdigest()
    result.nbytes = nbytes
    return result


