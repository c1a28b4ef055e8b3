"""Function code and layers: AWS's size limits, and unpacking once per code hash into the
runtime's state directory, never past those limits and never outside the target folder."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import threading
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

# AWS's quotas (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
MAX_UNZIPPED = 262_144_000  # function plus layers, unzipped: 250 MB
MAX_REQUEST = 69_905_067  # a 50 MB zip, base64-encoded, in the request body
MAX_LAYERS = 5
_CHUNK = 1 << 20


class CodeError(ValueError):
    """The deployment package cannot be used (not a zip, unsafe paths, too large)."""


def _unsafe(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":")


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _link_escapes(name: str, target: str) -> bool:
    """Whether a symlink stored as ``name`` pointing to ``target`` leaves the package."""
    if target.startswith("/"):
        return True
    depth = len(PurePosixPath(name).parts) - 1
    for part in PurePosixPath(target).parts:
        depth += -1 if part == ".." else 0 if part == "." else 1
        if depth < 0:
            return True
    return False


def _open(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise CodeError(
            "Could not unzip uploaded file. Please check your file, then try to upload again."
        ) from None


def check_zip(data: bytes) -> int:
    """Raise CodeError with AWS's wording when data is not a usable zip file; return its
    unzipped size as the central directory states it (nothing is extracted)."""
    with _open(data) as archive:
        infos = archive.infolist()
        total = 0
        for info in infos:
            if _unsafe(info.filename):
                raise CodeError(
                    f"Could not unzip uploaded file: unsafe path {info.filename!r} in the zip."
                )
            if _is_symlink(info):
                if info.file_size > 4096:
                    raise CodeError(f"Could not unzip uploaded file: bad link {info.filename!r}.")
                target = archive.read(info).decode("utf-8", "replace")
                if _link_escapes(info.filename, target):
                    raise CodeError(
                        f"Could not unzip uploaded file: the link {info.filename!r} points "
                        f"outside the package ({target!r})."
                    )
            total += info.file_size
    return total


def check_function_size(unzipped: int, layer_sizes: Sequence[int]) -> None:
    """AWS's checks at CreateFunction/UpdateFunctionCode/UpdateFunctionConfiguration."""
    if len(layer_sizes) > MAX_LAYERS:
        raise CodeError(f"Cannot reference more than {MAX_LAYERS} layers.")
    layers = sum(layer_sizes)
    if layers > MAX_UNZIPPED:
        raise CodeError(f"Layers consume more than the available size of {MAX_UNZIPPED} bytes")
    if unzipped + layers > MAX_UNZIPPED:
        if layers:
            raise CodeError(
                f"Function code combined with layers exceeds the maximum allowed size of "
                f"{MAX_UNZIPPED} bytes. The actual size is {unzipped + layers} bytes."
            )
        raise CodeError(f"Unzipped size must be smaller than {MAX_UNZIPPED} bytes")


def check_layer_size(unzipped: int) -> None:
    """AWS's check at PublishLayerVersion."""
    if unzipped > MAX_UNZIPPED:
        raise CodeError(f"Unzipped size must be smaller than {MAX_UNZIPPED} bytes")


def _extract(data: bytes, target: Path, budget: list[int]) -> None:
    """Extract into ``target`` counting real bytes: a zip whose headers lie stops at the
    budget. Links become plain files holding their target, as zipfile writes them."""
    check_zip(data)
    root = target.resolve()
    with _open(data) as archive:
        for info in archive.infolist():
            path = (root / info.filename).resolve()
            if path != root and root not in path.parents:
                raise CodeError(f"Could not unzip uploaded file: unsafe path {info.filename!r}.")
            if info.is_dir():
                _mkdirs(path, root)
            else:
                _mkdirs(path.parent, root)
                with archive.open(info) as source, open(path, "wb") as sink:
                    while chunk := source.read(_CHUNK):
                        budget[0] -= len(chunk)
                        if budget[0] < 0:
                            raise CodeError(
                                f"Unzipped size must be smaller than {MAX_UNZIPPED} bytes"
                            )
                        sink.write(chunk)
            os.chmod(path, _readable((info.external_attr >> 16) & 0o777, info.is_dir()))


def _mkdirs(path: Path, root: Path) -> None:
    """Create folders readable to the environment's user whatever the server's umask."""
    missing = []
    while path != root and not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir()
        folder.chmod(0o755)


def _readable(mode: int, is_dir: bool) -> int:
    """The zip's mode, made readable (and, where the owner may run it, runnable) by everyone:
    the handler runs as another user than the files' owner. Nobody else gains write."""
    if is_dir:
        return (mode or 0o755) | 0o555
    mode = (mode or 0o644) | 0o444
    return mode | 0o111 if mode & 0o100 else mode


class CodeStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()

    def _build(self, target: Path, zips: Sequence[Callable[[], bytes]]) -> Path:
        with self._lock:
            if target.is_dir():
                return target
            partial = target.with_name(target.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            partial.chmod(0o755)
            budget = [MAX_UNZIPPED]
            try:
                for load in zips:
                    _extract(load(), partial, budget)
            except (CodeError, zipfile.BadZipFile, OSError) as exc:
                shutil.rmtree(partial, ignore_errors=True)
                raise exc if isinstance(exc, CodeError) else CodeError(str(exc)) from None
            partial.rename(target)
            return target

    def unpack(self, kind: str, sha: str, data: bytes) -> Path:
        """Unpack ``data`` (a zip) under ``root/kind/sha`` once; return the directory."""
        safe_sha = "".join(c for c in sha if c.isalnum() or c in "-_") or "nohash"
        return self._build(self.root / kind / safe_sha, [lambda: data])

    def layers(self, layers: Sequence[tuple[str, Callable[[], bytes]]]) -> Path:
        """The function's /opt: its layers (sha, zip) extracted in order into one folder,
        later layers overwriting earlier files, as Lambda does. Built once per combination."""
        key = hashlib.sha256("\n".join(sha for sha, _ in layers).encode()).hexdigest()[:32]
        return self._build(self.root / "opt" / key, [load for _, load in layers])
