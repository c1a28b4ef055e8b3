"""Lab 04 (versions-aliases): ``views`` (aliases and versions as a diagram, the
ExecutedVersion histogram, traffic through an alias during a deployment) and ``checks``."""
