"""Code uploads against AWS's limits, through boto3 only: a 51 MB zip, zip bombs (honest and
lying headers), code plus layers over 250 MB unzipped, six layers, and zips that try to write
outside their folder. Each is refused with AWS's error (or bounded) and the server keeps
serving."""

from __future__ import annotations

import json
import os
import struct
import uuid
import zipfile
import zlib
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lablib.aws.server import LocalAWS
from tests.support import NO_RETRY, zip_of

LIMIT = 262_144_000
MB = 1 << 20
HELLO = "def handler(event, context):\n    return {'ok': event.get('n', 0) + 1}\n"


def _zeros_stream(megabytes: int) -> bytes:
    """A raw deflate stream of ``megabytes`` MB of zeros, built in milliseconds: one block
    after a full flush is independent of what came before, so it can be repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(MB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * megabytes + compressor.flush()


def _raw_zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip written by hand: (name, deflated data, crc, size the headers declare)."""
    body, directory = b"", b""
    for name, data, crc, size in entries:
        encoded = name.encode()
        header = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data),
                             size, len(encoded), 0)  # fmt: skip
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 0x031E, 20, 0, 8, 0, 0x21, crc,
                                 len(data), size, len(encoded), 0, 0, 0, 0, 0o644 << 16,
                                 len(body)) + encoded  # fmt: skip
        body += header + encoded + data
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(directory), len(body), 0)  # fmt: skip
    return body + directory + end


def _deflated(text: str) -> tuple[bytes, int, int]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = text.encode()
    return compressor.compress(raw) + compressor.flush(), zlib.crc32(raw), len(raw)


def _bomb(megabytes: int, with_handler: bool = True) -> bytes:
    """An honest zip bomb: a few hundred KB whose headers say ``megabytes`` MB."""
    entries = [("zeros.bin", _zeros_stream(megabytes), 0, megabytes * MB)]
    if with_handler:
        entries.insert(0, ("app.py", *_deflated(HELLO)))
    return _raw_zip(entries)


@pytest.fixture(scope="module")
def lam(aws: LocalAWS) -> Any:
    client = aws.client("lambda", config=NO_RETRY)
    client.role = aws.client("iam").create_role(
        RoleName=f"limits-{uuid.uuid4().hex[:6]}", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    return client


def _create(lam: Any, code: bytes, **config: Any) -> str:
    name = f"lim-{uuid.uuid4().hex[:10]}"
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=lam.role,
                        Handler="app.handler", Code={"ZipFile": code}, **config)  # fmt: skip
    return name


def _refused(call: Any, code: str, message: str) -> None:
    with pytest.raises(ClientError) as info:
        call()
    error = info.value.response["Error"]
    assert (error["Code"], error["Message"]) == (code, message)


def _invoke(lam: Any, name: str, event: Any = None) -> Any:
    reply = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode())
    body = json.loads(reply["Payload"].read())
    assert "FunctionError" not in reply, body
    return body


def _still_serving(lam: Any) -> None:
    assert _invoke(lam, _create(lam, zip_of({"app.py": HELLO})), {"n": 41}) == {"ok": 42}


def test_zip_over_50_mb_is_refused_before_it_is_stored(lam: Any) -> None:
    big = zip_of({"app.py": HELLO, "blob.bin": os.urandom(51 * MB)})
    for operation, call in (
        ("CreateFunction", lambda: _create(lam, big)),
        ("PublishLayerVersion",
         lambda: lam.publish_layer_version(LayerName="big", Content={"ZipFile": big})),
    ):  # fmt: skip
        _refused(
            call,
            "RequestEntityTooLargeException",
            f"Request must be smaller than 69905067 bytes for the {operation} operation",
        )
    _still_serving(lam)


def test_unzipped_over_250_mb_is_refused_from_the_directory(lam: Any) -> None:
    bomb = _bomb(251)
    assert len(bomb) < 2 * MB
    message = f"Unzipped size must be smaller than {LIMIT} bytes"
    _refused(lambda: _create(lam, bomb), "InvalidParameterValueException", message)
    name = _create(lam, zip_of({"app.py": HELLO}))
    _refused(lambda: lam.update_function_code(FunctionName=name, ZipFile=bomb),
             "InvalidParameterValueException", message)  # fmt: skip
    _refused(lambda: lam.publish_layer_version(LayerName="bomb", Content={"ZipFile": bomb}),
             "InvalidParameterValueException", message)  # fmt: skip
    assert _invoke(lam, name) == {"ok": 1}, "the function kept its old code"
    _still_serving(lam)


def test_code_and_layers_together_stay_under_250_mb(lam: Any) -> None:
    layer = lam.publish_layer_version(LayerName="heavy", Content={"ZipFile": _bomb(200, False)})
    arn = layer["LayerVersionArn"]
    actual = 200 * MB + 100 * MB + len(HELLO)
    message = (
        f"Function code combined with layers exceeds the maximum allowed size of {LIMIT} "
        f"bytes. The actual size is {actual} bytes."
    )
    _refused(lambda: _create(lam, _bomb(100), Layers=[arn]), "InvalidParameterValueException",
             message)  # fmt: skip
    name = _create(lam, _bomb(100))
    _refused(lambda: lam.update_function_configuration(FunctionName=name, Layers=[arn]),
             "InvalidParameterValueException", message)  # fmt: skip
    _still_serving(lam)


def test_at_most_five_layers(lam: Any) -> None:
    arns = [
        lam.publish_layer_version(
            LayerName="tiny", Content={"ZipFile": zip_of({f"python/m{i}.py": f"N = {i}\n"})}
        )["LayerVersionArn"]
        for i in range(6)
    ]
    message = "Cannot reference more than 5 layers."
    code = zip_of({"app.py": "import m0, m4\ndef handler(e, c):\n    return m0.N + m4.N\n"})
    _refused(lambda: _create(lam, code, Layers=arns), "InvalidParameterValueException", message)
    name = _create(lam, code, Layers=arns[:5])
    assert _invoke(lam, name) == 4
    _refused(lambda: lam.update_function_configuration(FunctionName=name, Layers=arns),
             "InvalidParameterValueException", message)  # fmt: skip
    _still_serving(lam)


def test_headers_that_lie_cannot_unpack_more_than_they_declare(lam: Any) -> None:
    """The directory says 10 bytes; the stream holds 300 MB of zeros. Unpacking stops at
    what was declared (and at 250 MB whatever the headers say)."""
    code = "import os\ndef handler(e, c):\n    return os.path.getsize('/var/task/zeros.bin')\n"
    lying = _raw_zip([("app.py", *_deflated(code)),
                      ("zeros.bin", _zeros_stream(300), zlib.crc32(bytes(10)), 10)])  # fmt: skip
    with zipfile.ZipFile(__import__("io").BytesIO(lying)) as archive:
        assert sum(info.file_size for info in archive.infolist()) < 1000
    name = _create(lam, lying, Timeout=30)
    assert _invoke(lam, name) == 10
    _still_serving(lam)


@pytest.mark.parametrize(
    ("entry", "mode"),
    [
        ("../escape.py", 0o644),
        ("/etc/cron.d/escape", 0o644),
        ("pkg/../../escape.py", 0o644),
        ("C:\\escape.py", 0o644),
        ("passwd", 0o120777),  # a symlink to an absolute path
        ("sub/up", 0o120777),  # a symlink climbing out
    ],
)
def test_zips_that_reach_outside_their_folder_are_refused(lam: Any, entry: str, mode: int) -> None:
    target = {"passwd": "/etc/passwd", "sub/up": "../../../outside"}.get(entry, "x = 1\n")
    bad = zip_of({"app.py": HELLO, entry: target}, {entry: mode})
    for call in (
        lambda: _create(lam, bad),
        lambda: lam.publish_layer_version(LayerName="bad", Content={"ZipFile": bad}),
    ):
        with pytest.raises(ClientError) as info:
            call()
        error = info.value.response["Error"]
        assert error["Code"] == "InvalidParameterValueException"
        assert error["Message"].startswith("Could not unzip uploaded file"), error["Message"]
    _still_serving(lam)
