"""Per-stage configuration: the stage comes from an environment variable, settings and
secrets from SSM Parameter Store under /orders/<stage>/ (the secret is a SecureString)."""

import os

import boto3

SSM = boto3.client("ssm")
STAGE = os.environ["STAGE"]


def _load():
    prefix = f"/orders/{STAGE}/"
    found = SSM.get_parameters_by_path(Path=prefix, WithDecryption=True)["Parameters"]
    return {p["Name"][len(prefix):]: p["Value"] for p in found}


CONFIG = _load()  # read once per execution environment, reused while warm


def handler(event, context):
    raw = SSM.get_parameter(Name=f"/orders/{STAGE}/db-password")["Parameter"]["Value"]
    return {
        "stage": STAGE,
        "table": CONFIG["table"],
        "password_length": len(CONFIG["db-password"]),
        "password_ok": CONFIG["db-password"] == event.get("expect"),
        "without_decryption_is_plaintext": raw == CONFIG["db-password"],
    }
