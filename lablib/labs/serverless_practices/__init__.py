"""Lab 06 (serverless-practices): notebook helpers and exercise checks.

``views`` holds the views the notebook shows (stack events and resources, a role's
permissions, the backoff schedule, 200s vs 429s per burst, Lambda vs a server per month, the
trace X-Ray would draw); ``checks`` registers the lab's exercise checks (``check`` imports it
on first use; the notebook's setup cell imports it too). Everything talks to the local AWS
through boto3 or HTTP.
"""
