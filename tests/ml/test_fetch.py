"""fetch-artifacts against a local HTTP server: a good archive, a corrupt one, a truncated one."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import tarfile
import threading
from pathlib import Path

import pytest

from ml.fetch import FetchError, fetch_artifacts


def artifact_archive() -> bytes:
    """A tar.gz of a minimal artifact folder whose manifest lists its files' SHA-256."""
    files = {"item_vectors.npy": b"\x93NUMPY fake vectors" * 50, "id_maps.json": b'{"item_ids": ["a", "b"]}'}
    manifest = {"version": "v1", "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}}
    files["manifest.json"] = json.dumps(manifest).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"20240101T000000Z-abcdef12/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


GOOD = artifact_archive()
CORRUPT = bytearray(GOOD)
CORRUPT[len(GOOD) // 2] ^= 0xFF


class FileServer(http.server.BaseHTTPRequestHandler):
    """/good, /corrupt and /truncated (announces the full length, sends half, then hangs up)."""

    def do_GET(self):  # noqa: N802 (the http.server API)
        name = self.path.rsplit("/", 1)[-1]
        body = {"good": GOOD, "corrupt": bytes(CORRUPT), "truncated": GOOD}.get(name)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if name == "truncated" else body)
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FileServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/files/"
    server.shutdown()
    server.server_close()


def leftovers(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.iterdir()) if dest.exists() else []


def test_good_archive_is_verified_and_unpacked(tmp_path, base_url):
    fetched = fetch_artifacts(None, "good", tmp_path, base_url=base_url, quiet=True)
    folder = fetched["model"] / "20240101T000000Z-abcdef12"
    assert json.loads((folder / "id_maps.json").read_text()) == {"item_ids": ["a", "b"]}
    assert leftovers(tmp_path) == ["model"]


def test_good_archive_with_a_given_sha256(tmp_path, base_url):
    digest = hashlib.sha256(GOOD).hexdigest()
    fetched = fetch_artifacts("good", None, tmp_path, expected_sha256={"good": digest}, base_url=base_url, quiet=True)
    assert (fetched["data"] / "20240101T000000Z-abcdef12" / "manifest.json").is_file()


def test_corrupt_download_is_refused_and_nothing_is_left(tmp_path, base_url):
    digest = hashlib.sha256(GOOD).hexdigest()
    with pytest.raises(FetchError, match="corrupt or truncated"):
        fetch_artifacts(None, "corrupt", tmp_path, expected_sha256={"corrupt": digest}, base_url=base_url, quiet=True)
    assert leftovers(tmp_path) == []


def test_corrupt_download_without_sha256_is_refused_by_the_archive_or_manifest(tmp_path, base_url):
    with pytest.raises(FetchError):
        fetch_artifacts(None, "corrupt", tmp_path, base_url=base_url, quiet=True)
    assert leftovers(tmp_path) == []


def test_truncated_download_is_refused_and_a_previous_good_copy_survives(tmp_path, base_url):
    fetch_artifacts(None, "good", tmp_path, base_url=base_url, quiet=True)
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    with pytest.raises(FetchError):
        fetch_artifacts(None, "truncated", tmp_path, base_url=base_url, quiet=True)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before


def test_missing_file_is_a_clear_error(tmp_path, base_url):
    with pytest.raises(FetchError, match="download of absent failed"):
        fetch_artifacts(None, "absent", tmp_path, base_url=base_url, quiet=True)
    assert leftovers(tmp_path) == []


def test_base_url_comes_from_the_environment(monkeypatch, tmp_path, base_url):
    monkeypatch.setenv("SHOPREC_DOWNLOAD_BASE_URL", base_url)
    assert "model" in fetch_artifacts(None, "good", tmp_path, quiet=True)
