"""Client-side encryption with KMS: an API key stored encrypted in an environment variable
is decrypted once at start-up; the handler can also encrypt and decrypt on demand."""

import base64
import os

import boto3

KMS = boto3.client("kms")
API_KEY = KMS.decrypt(CiphertextBlob=base64.b64decode(os.environ["API_KEY_ENCRYPTED"]))[
    "Plaintext"
].decode()


def handler(event, context):
    sealed = KMS.encrypt(KeyId=os.environ["KEY_ID"], Plaintext=event["text"].encode())
    opened = KMS.decrypt(CiphertextBlob=sealed["CiphertextBlob"])["Plaintext"].decode()
    return {
        "api_key_suffix": API_KEY[-4:],
        "ciphertext_bytes": len(sealed["CiphertextBlob"]),
        "round_trip": opened == event["text"],
    }
