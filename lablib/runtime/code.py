"""Function code and layers, unpacked once per code hash into the runtime's state directory."""

from __future__ import annotations

import io
import os
import shutil
import threading
import zipfile
from pathlib import Path


class CodeError(ValueError):
    """The deployment package cannot be used (not a zip, unsafe paths)."""


def check_zip(data: bytes) -> None:
    """Raise CodeError with AWS's wording when data is not a usable zip file."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        raise CodeError(
            "Could not unzip uploaded file. Please check your file, then try to upload again."
        ) from None
    for name in names:
        if name.startswith("/") or ".." in Path(name).parts:
            raise CodeError(f"Could not unzip uploaded file: unsafe path {name!r} in the zip.")


class CodeStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()

    def unpack(self, kind: str, sha: str, data: bytes) -> Path:
        """Unpack ``data`` (a zip) under ``root/kind/sha`` once; return the directory."""
        safe_sha = "".join(c for c in sha if c.isalnum() or c in "-_") or "nohash"
        target = self.root / kind / safe_sha
        with self._lock:
            if target.is_dir():
                return target
            check_zip(data)
            partial = target.with_name(target.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for info in archive.infolist():
                    extracted = archive.extract(info, partial)
                    mode = (info.external_attr >> 16) & 0o777
                    if mode:
                        os.chmod(extracted, mode)
            partial.rename(target)
            return target
