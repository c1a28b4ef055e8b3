"""Lab 01: report the resources this environment was given (memory, time left, /tmp)."""

import os
import shutil
import tempfile


def handler(event, context):
    scratch = tempfile.gettempdir()
    path = os.path.join(scratch, "scratch.bin")
    with open(path, "wb") as f:
        f.write(b"\0" * 1024 * 1024 * event.get("write_mb", 1))
    return {
        "memory_limit_in_mb": int(context.memory_limit_in_mb),
        "remaining_time_ms": context.get_remaining_time_in_millis(),
        "tmp_dir": scratch,
        "tmp_file_mb": os.path.getsize(path) // (1024 * 1024),
        "tmp_free_mb_on_this_host": shutil.disk_usage(scratch).free // (1024 * 1024),
    }
