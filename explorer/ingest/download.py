"""Fetch FDA's quarterly FAERS zips: resumable, checked, idempotent."""

from __future__ import annotations

import csv
import os
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path

from explorer.errors import DownloadError
from explorer.ingest.sources import sha256_file
from explorer.progress import Reporter, reporter
from explorer.quarters import zip_name

FDA_BASE_URL = "https://fis.fda.gov/content/Exports/"
"""Where FDA publishes the quarterly ASCII zips (override with --base-url or FAERS_BASE_URL)."""


@cache
def known_zips() -> dict[str, tuple[int, str]]:
    """{zip name: (size, sha256)} for the FDA zips in the shipped manifest (2012Q4 on)."""
    text = resources.files("explorer.ingest").joinpath("fda_zip_manifest.csv").read_text(encoding="utf-8")
    return {r["filename"].lower(): (int(r["size_bytes"]), r["sha256"]) for r in csv.DictReader(text.splitlines())}


def verify_zip(path: Path, name: str | None = None) -> None:
    """Check a downloaded zip: readable, CRCs correct, and size and sha256 as in the manifest when known.

    Args:
        path: the file to check.
        name: its FDA zip name, when ``path`` is a partial download with another name.

    Raises:
        DownloadError: the file fails a check.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError) as e:
        raise DownloadError(f"{path}: not a valid zip ({e})") from None
    if bad:
        raise DownloadError(f"{path}: member {bad} fails its CRC check")
    known = known_zips().get((name or path.name).lower())
    if known:
        size, sha = known
        if path.stat().st_size != size or sha256_file(path) != sha:
            raise DownloadError(f"{path}: size or sha256 differs from FDA's published zip")


def _fetch(url: str, part: Path, timeout: float) -> None:
    start = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "faers-explorer"})
    if start:
        request.add_header("Range", f"bytes={start}-")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        mode = "ab" if start and response.status == 206 else "wb"
        expected = response.headers.get("Content-Length")
        received = 0
        with open(part, mode) as out:
            while block := response.read(1 << 20):
                out.write(block)
                received += len(block)
    if expected is not None and received < int(expected):
        raise OSError(f"connection closed after {received:,} of {int(expected):,} bytes")


def download(
    quarters: list[str],
    dest: str | Path = "data/raw",
    base_url: str | None = None,
    progress: Reporter | Callable[[str], None] | None = None,
    timeout: float = 60.0,
) -> list[Path]:
    """Download the zips of the given quarters into ``dest``.

    A zip already in ``dest`` that passes :func:`verify_zip` is skipped; an interrupted download (``.part`` file)
    resumes where it stopped. The zip is renamed into place only after it passes its checks.

    Args:
        quarters: quarter names, e.g. ``["2024q1"]``.
        dest: target folder.
        base_url: where the zips are; defaults to FDA's site (or the FAERS_BASE_URL environment variable).
        progress: a reporter (a step over the quarters), or a callable given one line per quarter.
        timeout: seconds to wait for the server.

    Returns:
        The paths of the zips, in the order of ``quarters``.

    Raises:
        DownloadError: a quarter could not be fetched or failed its checks.
    """
    say = reporter(progress)
    base = base_url or os.environ.get("FAERS_BASE_URL") or FDA_BASE_URL
    if not base.endswith("/"):
        base += "/"
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    with say.step(f"downloading {len(quarters)} quarter(s)", total=len(quarters), unit="quarters") as step:
        for quarter in quarters:
            paths.append(_one(quarter, base, dest, timeout, say))
            step.advance()
    return paths


def _one(quarter: str, base: str, dest: Path, timeout: float, say: Reporter) -> Path:
    """Download one quarter's zip into ``dest`` (resuming a .part), check it, and return its path."""
    name = zip_name(quarter)
    target = dest / name
    if target.exists():
        verify_zip(target)
        say(f"{quarter}: {target} already there, checked")
        return target
    part = target.with_name(target.name + ".part")
    last_error: Exception | None = None
    # FDA's names mostly use a lower-case q; some quarters were published with an upper-case Q.
    for candidate in (name, name.replace(quarter[4:], quarter[4:].upper())):
        try:
            _fetch(base + candidate, part, timeout)
            last_error = None
            break
        except urllib.error.HTTPError as e:
            last_error = e
            if e.code == 416 and part.exists():  # the .part is already whole
                last_error = None
                break
            if e.code != 404:
                break
        except (urllib.error.URLError, OSError, TimeoutError) as e:
            raise DownloadError(f"{quarter}: download from {base} interrupted ({e}); run again to resume") from None
    if last_error is not None:
        raise DownloadError(f"{quarter}: {base}{name}: {last_error}")
    try:
        verify_zip(part, name)
    except DownloadError:
        part.unlink()
        raise
    os.replace(part, target)
    say(f"{quarter}: downloaded {target} ({target.stat().st_size / 1e6:.1f} MB), checked")
    return target
