"""``Transform: AWS::Serverless-2016-10-31`` with AWS's own translator (aws-sam-translator).

The translator is imported on first use (it takes about a second to import).
"""

from __future__ import annotations

import copy
import logging
from typing import Any

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"


class TransformFailed(Exception):
    """The transform rejected the template: the stack fails with this reason, as on AWS."""


def apply_sam(
    template: dict[str, Any], parameters: dict[str, Any], region: str, account: str
) -> dict[str, Any]:
    """Return the CloudFormation template SAM expands ``template`` into."""
    try:
        import boto3
        from samtranslator.internal.managed_policies import get_bundled_managed_policy_map
        from samtranslator.model.exceptions import (
            ExceptionWithMessage,
            InvalidDocumentException,
        )
        from samtranslator.parser.parser import Parser
        from samtranslator.translator.translator import Translator
    except ModuleNotFoundError as exc:  # pragma: no cover - an install problem
        raise TransformFailed(
            f"Transform {SAM_TRANSFORM} failed with: aws-sam-translator is not installed "
            f"({exc.name}); run: pip install aws-sam-translator"
        ) from None
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    session = boto3.Session(
        region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    translator = Translator(None, Parser(), boto_session=session)
    values = {"AWS::Region": region, "AWS::AccountId": account, "AWS::Partition": "aws"}
    values.update({k: v for k, v in parameters.items() if v is not None})
    try:
        result: dict[str, Any] = translator.translate(
            copy.deepcopy(template),
            values,
            get_managed_policy_map=lambda: get_bundled_managed_policy_map("aws") or {},
        )
    except InvalidDocumentException as exc:
        causes = " ".join(cause.message for cause in exc.causes)
        raise TransformFailed(
            f"Transform {SAM_TRANSFORM} failed with: Invalid Serverless Application "
            f"Specification document. Number of errors found: {len(exc.causes)}. {causes}"
        ) from None
    except ExceptionWithMessage as exc:
        raise TransformFailed(f"Transform {SAM_TRANSFORM} failed with: {exc.message}") from None
    except Exception as exc:  # the translator's own bugs still fail the stack cleanly
        raise TransformFailed(f"Transform {SAM_TRANSFORM} failed with: {exc}") from None
    return result
