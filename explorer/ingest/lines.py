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
from dataclasses import dataclass, field
from itertools import repeat
from typing import BinaryIO

from explorer.errors import InputError
from explorer.ingest.layouts import map_header

CHUNK = 32 << 20
MAX_JOIN = 20
"""At most this many physical lines are rejoined into one record."""

_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_CONTROL_STR = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# Bytes that need no attention: printable ASCII, tab and newline.
_PLAIN = bytes(range(0x20, 0x7F)) + b"\t\n"
# A line whose first field is not a number (after optional spaces) cannot be a record.
_BAD_KEY = re.compile(rb"\n(?! *\d+ *\$)(?=[^\n])")  # (the first line is checked apart)
# In DEMO the second field is the case number: digits, or empty (a report without a case is counted apart).
_BAD_CASE_KEY = re.compile(rb"\n(?! *\d+ *\$ *\d* *\$)(?=[^\n])")
CASE_KEY_TABLES = ("demo",)


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

    def __init__(self, n_fields: int, trailing: bool, result: CleanResult, case_key: bool = False):
        self.n = n_fields
        self.trailing = trailing
        self.res = result
        self.case_key = case_key
        self.bad_key = _BAD_CASE_KEY if case_key else _BAD_KEY

    def key_problem(self, line: bytes) -> str | None:
        """Why the line's key fields cannot be a record's, or None."""
        fields = line.split(b"$", 2)
        if not fields[0].strip().isdigit():
            return "first field (primaryid/ISR) is not a number"
        if self.case_key and len(fields) > 1 and fields[1].strip() and not fields[1].strip().isdigit():
            return "caseid (second field) is not a number"
        return None

    def fits(self, line: bytes) -> str | None:
        """Return "ok" if the line has the file's form, "other" if it has the other valid form, else None."""
        c = line.count(b"$")
        if c == self.n - 1:
            return "other" if self.trailing else "ok"
        if c == self.n and line.endswith(b"$"):
            return "ok" if self.trailing else "other"
        return None

    def emit(self, out: list[bytes], line: bytes) -> None:
        out.append(line if self.fits(line) == "ok" else (line + b"$" if self.trailing else line[:-1]))
        self.res.rows += 1

    def reject(self, line_no: int, raw: bytes, reason: str) -> None:
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
        if lines and self.key_problem(lines[0]):
            bad.add(0)
        line, pos = 0, 0
        for m in self.bad_key.finditer(text):  # usually none; each match is the newline before a line with a bad key
            line += text.count(b"\n", pos, m.start()) + 1
            pos = m.start() + 1
            if line < len(lines):  # (a match on the unterminated last line is the caller's to handle)
                bad.add(line)
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
            if not raw.strip():
                self.res.blank += 1
                i += 1
                continue
            line = _sanitize(raw)
            c = line.count(b"$")
            if self.fits(line) is not None:
                problem = self.key_problem(line)
                if problem is None:
                    self.emit(out, line)
                    self.res.repaired += line != raw or self.fits(line) == "other"
                else:
                    self.reject(line_no, raw, problem)
                i += 1
                continue
            if c > want:
                self.reject(line_no, raw, f"too many fields: expected {want} '$', found {c} "
                                          "('$' inside a value, or two records on one line)")
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
                if self.fits(joined) is not None:
                    complete = True
                    break
                if joined.count(b"$") > want:
                    break
            if not complete and j >= total and not final and j - i < MAX_JOIN:
                return out, i  # the rest of the record may be in the next chunk
            if complete and self.key_problem(joined) is None:
                self.emit(out, joined)
                self.res.rejoined += 1
                self.res.joined_lines += j - i
                i = j
                continue
            self.reject(line_no, raw, f"too few fields: expected {want} '$', found {c}, "
                                      "and the following lines do not complete it")
            i += 1
        out.extend(lines[i:])
        self.res.rows += total - i
        return out, total


def _first_field_ok(line: bytes) -> bool:
    return line.split(b"$", 1)[0].strip().isdigit()


def clean_table(stream: BinaryIO, out: BinaryIO, table: str, where: str) -> CleanResult:
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
        except Exception as e:  # zlib, CRC and BadZipFile errors of a damaged zip member, OS errors
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
        lines = text.split(b"\n")
        tail = lines.pop()  # b"" when the text ends with a newline; else an unterminated last line (at EOF)
        if cleaner is None:
            cleaner = _Cleaner(len(columns), _majority_trailing(lines, len(columns)), result,
                               case_key=table.lower() in CASE_KEY_TABLES)
            result.trailing = cleaner.trailing
        written, consumed = cleaner.run(lines, text, line_no, final=eof)
        if written is None:
            out.write(text[: len(text) - len(tail)])
        elif written:
            out.write(b"\n".join(written) + b"\n")
        line_no += consumed
        result.lines += consumed
        if consumed < len(lines):
            pending = b"\n".join(lines[consumed:]) + b"\n" + pending
        if eof and tail:
            result.lines += 1
            if tail.strip(b" \r\t"):
                cleaner.reject(line_no, tail, "last line has no line terminator: the file is truncated")
            else:
                result.blank += 1
    result.sha256 = digest.hexdigest()
    result.nbytes = nbytes
    return result


def _majority_trailing(lines: list[bytes], n: int) -> bool:
    """Decide from a sample whether the file's records end with an extra ``$`` (legacy AERS) or not."""
    sample = lines[:2000]
    trailing = sum(1 for ln in sample if ln.count(b"$") == n and ln.rstrip(b"\r").endswith(b"$"))
    plain = sum(1 for ln in sample if ln.count(b"$") == n - 1)
    return trailing > plain
