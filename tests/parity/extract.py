"""Copy recorded AWS responses out of LocalStack's snapshot files into tests/parity/recorded/.

A maintainer's tool, not run by the suite: it needs a local copy of the LocalStack repository
(``git clone https://github.com/localstack/localstack`` or a bare mirror) and reads the
snapshot files from its HEAD with ``git show``. Only the recorded response data is copied
(``recorded-content`` entries named in MANIFEST), each file with its source and licence.

    python -m tests.parity.extract /path/to/localstack[.git]
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.parity.manifest import MANIFEST, SNAPSHOT_ROOT

RECORDED = Path(__file__).with_name("recorded")


def main(repo: str) -> None:
    commit = subprocess.run(
        ["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    cache: dict[str, dict[str, object]] = {}
    for entry in MANIFEST:
        path = f"{SNAPSHOT_ROOT}/{entry.snapshot}.snapshot.json"
        if path not in cache:
            text = subprocess.run(
                ["git", "-C", repo, "show", f"{commit}:{path}"],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            cache[path] = json.loads(text)
        key = f"{path.removesuffix('.snapshot.json')}.py::{entry.test}"
        snapshot = cache[path][key]
        assert isinstance(snapshot, dict), key
        content = snapshot["recorded-content"]
        keys = entry.keys or list(content)
        out = RECORDED / entry.service / f"{entry.name}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "source": {
                "repository": "https://github.com/localstack/localstack",
                "path": path,
                "commit": commit,
                "snapshot_key": key,
                "recorded_date": snapshot["recorded-date"],
            },
            "licence": "Apache-2.0 (LocalStack); see ../NOTICE.md",
            "recorded": {name: content[name] for name in keys},
        }
        out.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
        print(f"{out.relative_to(RECORDED)}: {len(keys)} responses")


if __name__ == "__main__":
    main(sys.argv[1])
