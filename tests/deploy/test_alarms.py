"""CloudWatch metric alarms evaluated for real on the metrics the Lambda runtime publishes."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from tests.support import WAIT_S, wait_until, zip_of

FAILING = "def handler(event, context):\n    raise ValueError('boom')\n"
OK = "def handler(event, context):\n    return 'ok'\n"


def wait_state(cloudwatch: Any, alarm: str, state: str) -> dict[str, Any]:
    """The alarm once the evaluator (a background thread) has put it in ``state``."""

    def reached() -> dict[str, Any]:
        found: dict[str, Any] = cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]
        return found if found["StateValue"] == state else {}

    return wait_until(reached, what=f"alarm {alarm} in state {state}")


@pytest.fixture
def topic_queue(aws: Any) -> tuple[str, str]:
    sns, sqs = aws.client("sns"), aws.client("sqs")
    topic = sns.create_topic(Name=f"alarms-{uuid.uuid4().hex[:8]}")["TopicArn"]
    url = sqs.create_queue(QueueName=f"alarm-inbox-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic, url


def test_new_alarm_starts_with_insufficient_data(aws: Any) -> None:
    cloudwatch = aws.client("cloudwatch")
    name = f"quiet-{uuid.uuid4().hex[:8]}"
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": "nobody-calls-me"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    time.sleep(0.3)
    alarm = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    assert alarm["StateValue"] == "INSUFFICIENT_DATA"
    history = cloudwatch.describe_alarm_history(AlarmName=name)["AlarmHistoryItems"]
    assert history[-1]["HistoryItemType"] == "ConfigurationUpdate"


def test_errors_alarm_fires_notifies_sns_and_recovers(
    aws: Any, lam: Any, make_function: Any, topic_queue: tuple[str, str]
) -> None:
    """Errors >= 2 in one 10 minute period (10 s at the 60x lab clock, so the two failing
    calls fall in one period however loaded the machine): failing calls move the alarm to
    ALARM, an SNS message in CloudWatch's shape reaches the topic, and good calls bring it
    back to OK once the errors age out of the period."""
    topic, inbox = topic_queue
    cloudwatch = aws.client("cloudwatch")
    name = make_function(FAILING)
    alarm = f"{name}-errors"
    cloudwatch.put_metric_alarm(
        AlarmName=alarm,
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": name}],
        Statistic="Sum",
        Period=600,
        EvaluationPeriods=1,
        Threshold=2,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[topic],
        OKActions=[topic],
    )
    lam.invoke(FunctionName=name)
    wait_state(cloudwatch, alarm, "OK")  # one error is below the threshold
    lam.invoke(FunctionName=name)
    found = wait_state(cloudwatch, alarm, "ALARM")
    assert found["StateReason"].startswith("Threshold Crossed")
    assert json.loads(found["StateReasonData"])["statistic"] == "Sum"
    sqs = aws.client("sqs")
    notes = []
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and not any(n["NewStateValue"] == "ALARM" for n in notes):
        got = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        notes += [json.loads(json.loads(m["Body"])["Message"]) for m in got.get("Messages", [])]
    # INSUFFICIENT_DATA -> OK (an OK action) came first, then OK -> ALARM
    assert [(n["OldStateValue"], n["NewStateValue"]) for n in notes] == [
        ("INSUFFICIENT_DATA", "OK"),
        ("OK", "ALARM"),
    ]
    note = notes[-1]
    assert note["AlarmName"] == alarm
    assert (note["OldStateValue"], note["NewStateValue"]) == ("OK", "ALARM")
    assert note["Trigger"]["MetricName"] == "Errors"
    lam.update_function_code(FunctionName=name, ZipFile=zip_of({"app.py": OK}))
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    deadline = time.monotonic() + 10 + WAIT_S
    while time.monotonic() < deadline:  # errors age out of the 10 s window; good calls are 0s
        lam.invoke(FunctionName=name)
        state = cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["StateValue"]
        if state == "OK":
            break
        time.sleep(0.2)
    assert state == "OK"
    history = cloudwatch.describe_alarm_history(AlarmName=alarm, HistoryItemType="StateUpdate")
    summaries = [item["HistorySummary"] for item in history["AlarmHistoryItems"]]
    assert "Alarm updated from OK to ALARM" in summaries
    assert "Alarm updated from ALARM to OK" in summaries
    actions = cloudwatch.describe_alarm_history(AlarmName=alarm, HistoryItemType="Action")
    assert any(topic in item["HistorySummary"] for item in actions["AlarmHistoryItems"])


def test_duration_alarm_on_executed_version(aws: Any, lam: Any, make_function: Any) -> None:
    """A p90 Duration alarm on one alias's ExecutedVersion: only the slow version trips it."""
    cloudwatch = aws.client("cloudwatch")
    name = make_function(
        "import time, os\n"
        "def handler(event, context):\n"
        "    time.sleep(float(os.environ.get('PAUSE', '0')))\n"
        "    return 'done'\n",
        Environment={"Variables": {"PAUSE": "0"}},
    )
    lam.publish_version(FunctionName=name)
    lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"PAUSE": "0.25"}}
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    alarm = f"{name}-slow-v2"
    cloudwatch.put_metric_alarm(
        AlarmName=alarm,
        Namespace="AWS/Lambda",
        MetricName="Duration",
        Dimensions=[
            {"Name": "FunctionName", "Value": name},
            {"Name": "Resource", "Value": f"{name}:live"},
            {"Name": "ExecutedVersion", "Value": "2"},
        ],
        ExtendedStatistic="p90",
        Period=600,  # 10 s here: the slow datapoint stays in the period until it is evaluated
        EvaluationPeriods=1,
        Threshold=200,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
    )
    for _ in range(3):
        lam.invoke(FunctionName=name, Qualifier="live")
    wait_state(cloudwatch, alarm, "OK")  # version 1's calls are not version 2's datapoints
    lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
    lam.invoke(FunctionName=name, Qualifier="live")
    wait_state(cloudwatch, alarm, "ALARM")


def test_m_out_of_n_needs_enough_breaching_periods(aws: Any) -> None:
    """DatapointsToAlarm 2 of 3: one breaching period is not enough, two are.

    Periods of 5 minutes (5 s here): the second datapoint goes into a later period than the
    first, and both stay within the three evaluated periods with ~10 s to spare."""
    cloudwatch = aws.client("cloudwatch")
    namespace = f"Lab/{uuid.uuid4().hex[:6]}"
    alarm = f"m-of-n-{uuid.uuid4().hex[:6]}"
    period = 300
    cloudwatch.put_metric_alarm(
        AlarmName=alarm,
        Namespace=namespace,
        MetricName="Queue",
        Statistic="Maximum",
        Period=period,
        EvaluationPeriods=3,
        DatapointsToAlarm=2,
        Threshold=10,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.put_metric_data(
        Namespace=namespace, MetricData=[{"MetricName": "Queue", "Value": 50}]
    )
    first = time.monotonic()
    wait_state(cloudwatch, alarm, "OK")  # one breaching datapoint of the two needed
    time.sleep(max(0.0, first + aws.clock.real_seconds(period) + 0.2 - time.monotonic()))
    cloudwatch.put_metric_data(
        Namespace=namespace, MetricData=[{"MetricName": "Queue", "Value": 60}]
    )
    wait_state(cloudwatch, alarm, "ALARM")
