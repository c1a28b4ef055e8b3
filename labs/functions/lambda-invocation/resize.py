"""Lab 01: a CPU-bound job whose duration follows the CPU share Lambda gives each memory size.

AWS gives a function CPU in proportion to its memory (one full vCPU at 1,769 MB). The local
runtime does not slice the CPU that way, so this handler models it: it sleeps as long as the
work would take with this memory size's CPU share, plus memory pressure below 256 MB.
"""

import time

FULL_VCPU_MB = 1769
WORK_MS_ON_ONE_VCPU = 30.0  # the CPU work of one image resize
IO_MS = 8.0  # reading and writing the image (does not speed up with memory)
WORKING_SET_MB = 180  # below this the runtime spends extra time collecting garbage


def modelled_ms(memory_mb: int) -> float:
    share = min(memory_mb, FULL_VCPU_MB) / FULL_VCPU_MB
    cpu = WORK_MS_ON_ONE_VCPU / share
    if memory_mb < WORKING_SET_MB:
        cpu *= 1.6
    return IO_MS + cpu


def handler(event, context):
    time.sleep(modelled_ms(int(context.memory_limit_in_mb)) / 1000)
    return {"resized": event.get("image", "cat.jpg")}
