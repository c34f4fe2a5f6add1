"""`download` against a local HTTP server on 127.0.0.1: fetch, resume, skip, check. No test touches the internet."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from explorer.cli import main
from explorer.errors import DownloadError
from explorer.ingest.download import download

from .helpers import report, write_quarter


class _Server:
    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.requests: list[tuple[str, str | None]] = []
        self.cut_after: int | None = None  # serve only this many bytes once, then drop the connection
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                rng = self.headers.get("Range")
                server.requests.append((name, rng))
                if name not in server.files:
                    self.send_error(404)
                    return
                data = server.files[name]
                start = int(rng.split("=")[1].split("-")[0]) if rng else 0
                if start >= len(data):
                    self.send_error(416)
                    return
                self.send_response(206 if rng else 200)
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                body = data[start:]
                if server.cut_after is not None:
                    body, server.cut_after = body[: server.cut_after], None
                    self.wfile.write(body)
                    self.wfile.flush()
                    self.connection.close()
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/content/Exports/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


@pytest.fixture
def server(tmp_path):
    z = write_quarter(tmp_path / "src", "2010q1", {"demo": [report(f"{i}1", str(i), "1") for i in range(1, 3000)]})
    srv = _Server({z.name: z.read_bytes()})
    yield srv
    srv.close()


def test_download_then_skip(server, tmp_path):
    dest = tmp_path / "raw"
    (path,) = download(["2010q1"], dest, base_url=server.url)
    assert path.read_bytes() == server.files["aers_ascii_2010q1.zip"]
    n = len(server.requests)
    download(["2010q1"], dest, base_url=server.url)
    assert len(server.requests) == n  # already there: nothing fetched


def test_interrupted_download_resumes(server, tmp_path):
    dest = tmp_path / "raw"
    server.cut_after = 5000
    with pytest.raises(DownloadError, match="run again to resume"):
        download(["2010q1"], dest, base_url=server.url, timeout=5)
    part = dest / "aers_ascii_2010q1.zip.part"
    assert part.exists() and part.stat().st_size == 5000
    (path,) = download(["2010q1"], dest, base_url=server.url)
    assert server.requests[-1] == ("aers_ascii_2010q1.zip", "bytes=5000-")
    assert path.read_bytes() == server.files["aers_ascii_2010q1.zip"] and not part.exists()


def test_upper_case_q_name_is_tried(server, tmp_path):
    server.files["aers_ascii_2010Q1.zip"] = server.files.pop("aers_ascii_2010q1.zip")
    (path,) = download(["2010q1"], tmp_path, base_url=server.url)
    assert path.name == "aers_ascii_2010q1.zip"


def test_missing_quarter_and_corrupt_zip(server, tmp_path):
    with pytest.raises(DownloadError, match="2011q1"):
        download(["2011q1"], tmp_path, base_url=server.url)
    server.files["aers_ascii_2010q2.zip"] = b"PK\x03\x04 not really a zip"
    with pytest.raises(DownloadError, match="not a valid zip"):
        download(["2010q2"], tmp_path, base_url=server.url)
    assert not (tmp_path / "aers_ascii_2010q2.zip").exists()


def test_checksum_of_a_known_fda_zip_is_verified(server, tmp_path):
    # 2019q4 is in FDA's manifest with its real size and sha256; our stand-in has neither
    server.files["faers_ascii_2019q4.zip"] = server.files["aers_ascii_2010q1.zip"]
    with pytest.raises(DownloadError, match="differs from FDA's published zip"):
        download(["2019q4"], tmp_path, base_url=server.url)


def test_cli_download(server, tmp_path, capsys):
    assert main(["download", "2010q1", "--dest", str(tmp_path), "--base-url", server.url]) == 0
    assert (tmp_path / "aers_ascii_2010q1.zip").exists()
    assert main(["download", "2020q9", "--dest", str(tmp_path), "--base-url", server.url]) == 1
    assert "not a quarter" in capsys.readouterr().err
