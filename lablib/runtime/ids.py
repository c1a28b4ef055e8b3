"""Ids that identify and protect nothing (trace ids, request ids), from one private generator
seeded once from the OS: ``uuid.uuid4`` reads ``os.urandom`` on every call, which drops and
retakes the GIL on the request path. Used by the Runtime API and by API Gateway.
"""

from __future__ import annotations

import os
import random
import time

generator = random.Random()
os.register_at_fork(after_in_child=generator.seed)  # a forked child draws its own ids


def trace_root() -> str:
    """An X-Ray trace id: ``Root=1-{epoch seconds, 8 hex}-{24 random hex}``."""
    return f"Root=1-{int(time.time()):08x}-{generator.getrandbits(96):024x}"
