"""A Lambda TOKEN authorizer: "allow-<user>" tokens get an Allow policy, anything else a
Deny; a missing header never reaches the function (API Gateway answers 401 itself)."""


def handler(event, context):
    token = event["authorizationToken"]
    user = token.removeprefix("allow-")
    effect = "Allow" if token.startswith("allow-") else "Deny"
    print(f"authorizing {user}: {effect}")
    return {
        "principalId": user,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
            ],
        },
        "context": {"plan": "gold"},
    }
