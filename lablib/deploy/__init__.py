"""Safe Lambda deployments on the local AWS: CodeDeploy for Lambda (AppSpec, predefined and
custom traffic-shifting configs, lifecycle hooks, rollback) and CloudWatch metric alarms
evaluated for real, both running on the lab clock. ``plugin.install(local)`` wires them in:
``engine`` runs deployments, ``service`` answers the CodeDeploy API over it (the plugin builds
both). ``lablib deploy`` (packaging a SAM app) is in ``lablib.sam``, not here."""
