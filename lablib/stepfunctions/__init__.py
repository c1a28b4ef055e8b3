"""Step Functions for the labs: the interpreter switch (``plugin``), diagrams of definitions
and of the path an execution took (``diagram``), event history views (``history``), a
definition validator (``validate``) and a wait-for-execution helper (``wait``).

Everything here talks to the local AWS through boto3; only ``plugin`` reaches moto, via
``lablib.aws.moto_bridge.stepfunctions``.
"""
