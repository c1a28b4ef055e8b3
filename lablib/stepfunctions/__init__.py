"""Step Functions on the local AWS: the interpreter switch (``plugin``), the AWS rules the
bridge applies to moto's interpreter (``semantics``), diagrams of definitions and of the path
an execution took (``diagram``), event history views (``history``), a definition validator
(``validate``) and a wait-for-execution helper (``wait``).

Everything here talks to the local AWS through boto3; only ``plugin`` reaches moto, via
``lablib.aws.moto_bridge.stepfunctions`` (which imports ``semantics``).
"""
