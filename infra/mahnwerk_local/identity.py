"""The local stack's identity: its account, region and name, and the environment set only locally."""

ACCOUNT = "123456789012"
REGION = "eu-central-1"
STACK = "mahnwerk-local"

#: Set only locally: no X-Ray daemon here, and no CloudWatch to receive metrics.
#: the InboxDomain of the local stack (tenants' inbox addresses: rechnungen+{token}@…)
LOCAL_INBOX_DOMAIN = "inbox.mahnwerk.test"

LOCAL_ENV = {
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
}
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing", "AWS_SESSION_TOKEN": "testing",
}

