#!/bin/sh
# Entry point of the single-user image: the learner's lab workspace, then JupyterLab for the hub.
set -eu
mkdir -p "$LABLIB_HOME" "$HOME/workspace"
python -c 'import os, pathlib
from lablib.notebook.workspace import prepare
print(prepare(pathlib.Path(os.environ["LABLIB_HUB_LABS"]), pathlib.Path.home() / "workspace").summary())'
cd "$HOME/workspace"
exec jupyterhub-singleuser --ServerApp.root_dir="$HOME/workspace" "$@"
