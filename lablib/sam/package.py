"""``sam build`` + ``sam package`` for ``lablib deploy``: local artefacts uploaded to S3.

What is packaged, as the SAM CLI does for these resource types (a missing ``CodeUri`` or
``ContentUri`` means the template's folder, as ``sam package`` treats it):

- zipped folders: ``AWS::Serverless::Function`` ``CodeUri`` (and ``Globals.Function.CodeUri``),
  ``AWS::Serverless::LayerVersion`` ``ContentUri``, ``AWS::Lambda::Function`` ``Code``,
  ``AWS::Lambda::LayerVersion`` ``Content``;
- files uploaded as they are: ``AWS::Serverless::StateMachine``/``Api`` ``DefinitionUri``,
  ``AWS::StepFunctions::StateMachine`` ``DefinitionS3Location``,
  ``AWS::ApiGateway::RestApi`` ``BodyS3Location``, and the ``Location`` of every
  ``AWS::Include`` transform (``Fn::Transform``), which CloudFormation expands when it
  creates the stack.

The build step (``build=True``, what ``sam build`` does): a Python function folder with a
``requirements.txt`` gets those packages installed beside the code (``pip install -t``), a
Node.js folder with a ``package.json`` gets its production ``node_modules`` (``npm install
--omit=dev``). Installed dependencies are cached under ``.aws-sam/lablib-deps`` next to the
template, keyed by the requirements file's content. Every error names the property and file.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lablib.sam.template import load_template

ARTIFACT_BUCKET = "lablib-sam-artifacts"
BUILD_TIMEOUT = 600.0

# resource type -> (property, how): "zip" folders, "file" uploaded as they are.
ZIPPED = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Lambda::Function": "Code",
    "AWS::Lambda::LayerVersion": "Content",
}
FILES = {
    "AWS::Serverless::StateMachine": "DefinitionUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::StepFunctions::StateMachine": "DefinitionS3Location",
    "AWS::ApiGateway::RestApi": "BodyS3Location",
}
# Properties a CloudFormation (not SAM) type wants as {Bucket, Key} rather than s3://.
_OBJECT_SHAPES = {
    "AWS::Lambda::Function": ("S3Bucket", "S3Key"),
    "AWS::Lambda::LayerVersion": ("S3Bucket", "S3Key"),
    "AWS::StepFunctions::StateMachine": ("Bucket", "Key"),
    "AWS::ApiGateway::RestApi": ("Bucket", "Key"),
}


class PackageError(Exception):
    """A local artefact cannot be packaged; the message names the property and the file."""


def zip_path(source: Path, extra: Path | None = None) -> bytes:
    """A deterministic zip of a folder (or one file), plus an optional dependency folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in _entries(source, extra):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (path.stat().st_mode & 0o777) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def _entries(source: Path, extra: Path | None) -> Iterator[tuple[str, Path]]:
    seen: set[str] = set()
    roots = [r for r in (extra, source) if r is not None]  # code wins over a dependency
    for root in reversed(roots):
        if root.is_file():
            seen.add(root.name)
            yield root.name, root
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = path.relative_to(root)
            if "__pycache__" in rel.parts or rel.parts[0] == ".aws-sam":
                continue
            name = rel.as_posix()
            if name not in seen:
                seen.add(name)
                yield name, path


class Packager:
    """Uploads local artefacts of one template to ``bucket`` through an S3 client."""

    def __init__(
        self,
        template_path: Path,
        s3: Any,
        bucket: str = ARTIFACT_BUCKET,
        build: bool = True,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.path = template_path
        self.base = template_path.parent
        self.s3 = s3
        self.bucket = bucket
        self.build = build
        self.log = log or (lambda _message: None)
        self._uploads: dict[str, str] = {}
        self._bucket_ready = False

    # -- uploads ---------------------------------------------------------------------------
    def _put(self, data: bytes, suffix: str) -> str:
        key = hashlib.sha256(data).hexdigest() + suffix
        if not self._bucket_ready:
            try:
                self.s3.head_bucket(Bucket=self.bucket)
            except Exception:  # noqa: BLE001 - any miss means: create it
                self.s3.create_bucket(Bucket=self.bucket)
            self._bucket_ready = True
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        return f"s3://{self.bucket}/{key}"

    def _local(self, value: str, where: str) -> Path:
        source = (self.base / value).resolve()
        if not source.exists():
            raise PackageError(
                f"{self.path}: {where} points at {value!r} ({source}), which does not exist"
            )
        return source

    def upload_zip(self, value: str, where: str, runtime: str | None = None) -> str:
        source = self._local(value, where)
        deps = self._dependencies(source, runtime, where) if self.build else None
        cache_key = f"zip:{source}:{deps}"
        if cache_key not in self._uploads:
            self._uploads[cache_key] = self._put(zip_path(source, deps), ".zip")
        return self._uploads[cache_key]

    def upload_file(self, value: str, where: str) -> str:
        source = self._local(value, where)
        if not source.is_file():
            raise PackageError(f"{self.path}: {where} must name a file; {value!r} is a folder")
        cache_key = f"file:{source}"
        if cache_key not in self._uploads:
            suffix = "".join(source.suffixes[-1:])
            self._uploads[cache_key] = self._put(source.read_bytes(), suffix)
        return self._uploads[cache_key]

    # -- sam build -------------------------------------------------------------------------
    def _dependencies(self, source: Path, runtime: str | None, where: str) -> Path | None:
        if not source.is_dir() or not runtime:
            return None
        if runtime.startswith("python") and (source / "requirements.txt").is_file():
            return self._install(source / "requirements.txt", where, self._pip)
        if runtime.startswith("nodejs") and (source / "package.json").is_file():
            return self._install(source / "package.json", where, self._npm)
        return None

    def _install(
        self,
        manifest: Path,
        where: str,
        install: Callable[[Path, Path], tuple[list[str], Path]],
    ) -> Path:
        digest = hashlib.sha256(manifest.read_bytes())
        lock = manifest.parent / "package-lock.json"
        if manifest.name == "package.json" and lock.is_file():
            digest.update(lock.read_bytes())
        target = self.base / ".aws-sam" / "lablib-deps" / digest.hexdigest()[:16]
        if (target / ".done").is_file():
            return target / "out"
        shutil.rmtree(target, ignore_errors=True)
        (target / "out").mkdir(parents=True)
        command, cwd = install(manifest, target)
        self.log(f"build: {where}: installing the dependencies in {manifest}")
        try:
            done = subprocess.run(
                command,
                cwd=cwd,
                capture_output=True,
                text=True,
                timeout=BUILD_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PackageError(
                f"{self.path}: {where}: installing {manifest} failed: {exc}"
            ) from None
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            raise PackageError(
                f"{self.path}: {where}: installing the dependencies in {manifest} failed "
                f"(exit {done.returncode}): " + " | ".join(tail)
            )
        if manifest.name == "package.json":
            modules = cwd / "node_modules"
            if modules.is_dir():  # copied with links resolved (file: dependencies are links)
                shutil.copytree(modules, target / "out" / "node_modules", symlinks=False)
            shutil.rmtree(cwd, ignore_errors=True)
        (target / ".done").write_text("ok")
        return target / "out"

    @staticmethod
    def _pip(manifest: Path, target: Path) -> tuple[list[str], Path]:
        """pip into the artefact folder, run where the requirements file is (relative paths)."""
        return [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-input", "--target", str(target / "out"), "-r", str(manifest),
        ], manifest.parent  # fmt: skip

    @staticmethod
    def _npm(manifest: Path, target: Path) -> tuple[list[str], Path]:
        """npm in a copy of the function folder (``file:`` dependencies resolve as in place)."""
        npm = shutil.which("npm")
        if npm is None:
            raise PackageError(
                f"{manifest}: installing Node.js dependencies needs npm on PATH "
                "(or deploy with --no-build and ship node_modules yourself)"
            )
        work = target / "src"
        shutil.copytree(
            manifest.parent, work, ignore=shutil.ignore_patterns("node_modules", ".aws-sam")
        )
        return [
            npm, "install", "--omit=dev", "--no-audit", "--no-fund", "--no-save",
            "--ignore-scripts", "--install-links",
        ], work  # fmt: skip

    # -- the template ----------------------------------------------------------------------
    def package(self) -> dict[str, Any]:
        template = load_template(self.path.read_text())
        resources = template.get("Resources") or {}
        glob = (template.get("Globals") or {}).get("Function") or {}
        glob_runtime = glob.get("Runtime")
        glob_code = glob.get("CodeUri")
        for logical_id, resource in resources.items():
            if not isinstance(resource, dict):
                continue
            kind = str(resource.get("Type"))
            props = resource.setdefault("Properties", {}) or {}
            resource["Properties"] = props
            where = f"Resources.{logical_id}.Properties"
            if kind in ZIPPED:
                self._zip_property(kind, props, where, glob_code, glob_runtime)
            if kind in FILES:
                prop = FILES[kind]
                value = props.get(prop)
                if isinstance(value, str) and not value.startswith("s3://"):
                    uri = self.upload_file(value, f"{where}.{prop}")
                    props[prop] = _shape(kind, uri)
        if isinstance(glob_code, str) and not glob_code.startswith("s3://"):
            glob["CodeUri"] = self.upload_zip(glob_code, "Globals.Function.CodeUri", glob_runtime)
        self._includes(template, "")
        return template

    def _zip_property(
        self,
        kind: str,
        props: dict[str, Any],
        where: str,
        glob_code: Any,
        glob_runtime: Any,
    ) -> None:
        prop = ZIPPED[kind]
        value = props.get(prop)
        runtime = props.get("Runtime", glob_runtime if kind.startswith("AWS::Serverless") else None)
        runtime = runtime if isinstance(runtime, str) else None
        if kind == "AWS::Serverless::Function":
            if props.get("InlineCode") is not None or props.get("PackageType") == "Image":
                return
            if value is None:
                if glob_code is not None:
                    if isinstance(glob_code, str) and not glob_code.startswith("s3://"):
                        props[prop] = self.upload_zip(
                            glob_code, "Globals.Function.CodeUri", runtime
                        )
                    return
                value = "."  # what sam package does with a function without CodeUri
        if kind == "AWS::Serverless::LayerVersion" and value is None:
            value = "."
        if isinstance(value, str) and not value.startswith("s3://"):
            uri = self.upload_zip(value, f"{where}.{prop}", runtime)
            props[prop] = _shape(kind, uri)

    def _includes(self, node: Any, where: str) -> None:
        if isinstance(node, dict):
            transform = node.get("Fn::Transform")
            if isinstance(transform, dict) and transform.get("Name") == "AWS::Include":
                params = transform.get("Parameters") or {}
                location = params.get("Location")
                if isinstance(location, str) and not location.startswith("s3://"):
                    params["Location"] = self.upload_file(location, f"{where}AWS::Include Location")
            for key, value in node.items():
                self._includes(value, f"{where}{key}.")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                self._includes(value, f"{where}{index}.")


def _shape(kind: str, uri: str) -> Any:
    if kind not in _OBJECT_SHAPES:
        return uri
    bucket_key, key_key = _OBJECT_SHAPES[kind]
    bucket, _, key = uri[len("s3://") :].partition("/")
    return {bucket_key: bucket, key_key: key}


def package(
    template_path: str | Path,
    s3: Any,
    bucket: str = ARTIFACT_BUCKET,
    build: bool = True,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Build and upload the template's local artefacts; return the template pointing at S3."""
    path = Path(template_path)
    if not path.is_file():
        raise PackageError(f"{path}: no such template file")
    if os.environ.get("LABLIB_NO_BUILD"):
        build = False
    return Packager(path, s3, bucket, build, log).package()
