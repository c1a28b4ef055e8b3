"""SAM and CloudFormation for the local AWS: templates, the SAM transform, deployment.

How it plugs in: ``lablib.sam.plugin`` (listed in ``lablib.aws.server.PLUGINS``) installs
``lablib.aws.moto_bridge.cloudformation`` patches on moto's CloudFormation backend, so
``CreateStack``/``UpdateStack``/``DeleteStack`` over plain HTTP (boto3, the AWS CLI) go
through :func:`lablib.sam.prepare.prepare`: parse the template (YAML or JSON, short tags),
apply ``Transform: AWS::Serverless-2016-10-31`` with AWS's own ``aws-sam-translator``,
check resource types and references, then let moto create the resources one by one with
stack events, and roll back (``ROLLBACK_COMPLETE``) when one fails. ``lablib deploy``
(``lablib.sam.commands``) and :func:`lablib.sam.deploy.deploy` are thin conveniences over
the same API calls: package local ``CodeUri`` folders to S3, lint with cfn-lint, create or
update the stack, wait. ``lablib.sam.resources`` holds the CloudFormation resource types moto
lacks, one module per service family.
"""
