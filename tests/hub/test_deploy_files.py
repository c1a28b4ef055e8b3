"""The Kubernetes files of deploy/jupyterhub/ (no Kubernetes or Docker here): they parse and
agree with each other and with the project."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "jupyterhub"


def test_values_run_the_image_entry_point_with_a_learners_home() -> None:
    values = yaml.safe_load((DEPLOY / "z2jh" / "values.yaml").read_text())
    dockerfile = (DEPLOY / "image" / "Dockerfile").read_text()
    single = values["singleuser"]
    assert f"/usr/local/bin/{single['cmd']}" in dockerfile
    assert single["storage"]["homeMountPath"] == "/home/learner"
    assert single["extraEnv"]["LABLIB_HOME"].startswith(single["storage"]["homeMountPath"])
    assert f"--uid {single['uid']}" in dockerfile
    assert values["cull"]["enabled"] is True
    assert values["singleuser"]["networkPolicy"]["egressAllowRules"]["nonPrivateIPs"] is False


def test_the_image_copies_only_what_exists() -> None:
    dockerfile = (DEPLOY / "image" / "Dockerfile").read_text()
    sources = re.findall(r"^COPY (\S+) ", dockerfile, flags=re.M)
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), source
    script = (DEPLOY / "image" / "start-learner.sh").read_text()
    assert "exec jupyterhub-singleuser" in script and "lablib.notebook.workspace" in script


def test_the_one_server_config_compiles() -> None:
    source = (DEPLOY / "jupyterhub_config.py").read_text()
    compile(source, "jupyterhub_config.py", "exec")
