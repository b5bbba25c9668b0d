"""Download a dataset and a model artifact by Google Drive file id (as the original did), safely.

Everything is downloaded and unpacked inside a temporary folder next to `dest` and moved into
place only after its checksum (given, or the artifact's own manifest) has been verified, so a
corrupt or truncated download never leaves a file where a worker would load it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import zipfile
from pathlib import Path

DRIVE_DOWNLOAD_URL = "https://drive.google.com/uc?id="


class FetchError(RuntimeError):
    """A download that failed, was truncated, or does not match its checksum."""


def download_base_url() -> str:
    """Where file ids are fetched from; SHOPREC_DOWNLOAD_BASE_URL points elsewhere (tests, mirrors)."""
    return os.environ.get("SHOPREC_DOWNLOAD_BASE_URL") or DRIVE_DOWNLOAD_URL


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_artifacts(data_file_id: str | None, model_file_id: str | None, dest: Path | str,
                    expected_sha256: dict[str, str] | None = None, base_url: str | None = None,
                    quiet: bool = False) -> dict[str, Path]:
    """Fetch each given id into dest/data and dest/model; returns the folders written.

    `expected_sha256` maps a file id to the SHA-256 of the downloaded file. An id without one
    must unpack to an artifact with a manifest.json, whose file hashes are then checked.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    expected_sha256 = expected_sha256 or {}
    fetched = {}
    for role, file_id in (("data", data_file_id), ("model", model_file_id)):
        if file_id:
            fetched[role] = _fetch_one(file_id, dest / role, expected_sha256.get(file_id), base_url or download_base_url(), quiet)
    return fetched


def _fetch_one(file_id: str, target: Path, expected: str | None, base_url: str, quiet: bool) -> Path:
    import gdown

    with tempfile.TemporaryDirectory(prefix=f".{target.name}-partial-", dir=target.parent) as scratch:
        scratch = Path(scratch)
        download = scratch / "download"
        try:
            gdown.download(url=f"{base_url}{file_id}", output=str(download), quiet=quiet)
        except Exception as error:  # gdown raises many kinds (HTTP, truncated body, ...); all mean "no file"
            raise FetchError(f"download of {file_id} failed: {error}") from error
        if not download.is_file():
            raise FetchError(f"download of {file_id} produced no file")
        if expected and (actual := sha256_file(download)) != expected.lower():
            raise FetchError(f"download of {file_id} is corrupt or truncated: SHA-256 {actual}, expected {expected}")
        unpacked = scratch / "unpacked"
        _unpack(download, unpacked, file_id)
        if not expected:
            _verify_manifest(unpacked, file_id)
        if target.exists():
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        unpacked.rename(target)  # same filesystem: an atomic move, never a half-written folder
    return target


def _unpack(archive: Path, folder: Path, file_id: str) -> None:
    folder.mkdir()
    try:
        if tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tar:
                tar.extractall(folder, filter="data")  # "data" refuses absolute paths and ../ escapes
        elif zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as package:
                _check_zip_paths(package)
                package.extractall(folder)
        else:
            shutil.copyfile(archive, folder / archive.name)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise FetchError(f"download of {file_id} is not a readable archive (truncated?): {error}") from error


def _check_zip_paths(package: zipfile.ZipFile) -> None:
    for name in package.namelist():
        if name.startswith("/") or ".." in Path(name).parts:
            raise FetchError(f"archive member {name!r} would be written outside the destination")


def _verify_manifest(folder: Path, file_id: str) -> None:
    from ml.artifacts import ArtifactError, find_artifact_folder, verify_artifact

    try:
        verify_artifact(find_artifact_folder(folder))
    except ArtifactError as error:
        raise FetchError(f"download of {file_id} has no SHA-256 to check against and {error}") from error
