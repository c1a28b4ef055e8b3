"""Parallel branch: a toy fraud score from the order total."""


def handler(event, context):
    total = float(event.get("total", 0))
    score = min(99, int(total // 10))
    return {"fraudScore": score, "suspicious": score > 50}
