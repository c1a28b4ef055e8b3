"""A flaky payment call: fails with PaymentBusy until the retry count reaches failTimes.

The state machine passes ``attempt`` from the context object ($$.State.RetryCount), so the
function stays stateless and the flakiness is predictable: failTimes=2 means the first two
attempts fail and the third succeeds. ``declined`` makes the card decline for good.
"""


class PaymentBusy(Exception):
    """A transient error worth retrying."""


class CardDeclined(Exception):
    """A permanent error: retrying will not help."""


def handler(event, context):
    if event.get("declined"):
        raise CardDeclined(f"card declined for order {event.get('orderId')}")
    attempt = int(event.get("attempt", 0))
    if attempt < int(event.get("failTimes", 0)):
        raise PaymentBusy(f"payment service busy (attempt {attempt + 1})")
    return {"charged": event["amount"], "attempt": attempt + 1, "status": "PAID"}
