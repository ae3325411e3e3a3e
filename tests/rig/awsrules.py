"""AWS's rules where the moto server is lenient: the test proxy refuses what AWS refuses.

moto accepts requests that AWS answers with an error (a trail whose topic policy does not let
CloudTrail publish, a CloudFront log bucket without ACLs, ...). Each rule here watches the
requests that pass through the proxy, keeps the little state it needs (what topic policies,
bucket ownerships, role attachments the provider has set), and answers a request AWS would
refuse with the error code, HTTP status and message AWS returns. Each rule names its source.

A rule is a function (ctx) -> None | Refusal. `ctx` is a Request: service, operation, method,
path, query, headers, body, params (query-protocol form or JSON body), region. Rules that need
to see a successful answer (to record state) use `after(ctx, status, body)` hooks instead.

Some AWS behaviours are not an error on any request (CloudFront through origin access control
answering 403 for objects whose KMS key does not let it decrypt): those are recorded as latent
faults, which `GET /__rules` reports, and the tests assert there are none.

Knobs (environment of the proxy process):
  EDULIBRA_RIG_IAM_PROPAGATION_S  seconds a new IAM role stays invisible to other services
                                  (default 2; AWS: "takes time to become visible", up to minutes)
  EDULIBRA_RIG_LAMBDA_QUOTA       the account's Lambda concurrency quota (default 10, as new
                                  accounts get; AWS documents no number, 10 is what is observed)
  EDULIBRA_RIG_PAGE_SIZE          items per page of the listings the proxy pages (default 1)
"""
import json
import os
import re
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

lock = threading.Lock()
PROPAGATION_S = float(os.environ.get("EDULIBRA_RIG_IAM_PROPAGATION_S", "2"))
LAMBDA_QUOTA = int(os.environ.get("EDULIBRA_RIG_LAMBDA_QUOTA", "10"))
PAGE_SIZE = int(os.environ.get("EDULIBRA_RIG_PAGE_SIZE", "1"))

# What the provider has told AWS so far, as far as the rules need it.
state = {
    "roles": {},  # role name -> created (monotonic seconds)
    "attached": {},  # role name -> set of managed policy ARNs
    "inline": {},  # role name -> set of inline policy names
    "topic_policy": {},  # topic name -> policy document (str)
    "ownership": {},  # bucket -> ObjectOwnership
    "bucket_kms": {},  # bucket -> KMS key id/ARN of its default encryption
    "key_policy": {},  # key id -> policy (str)
    "apigw_role": {},  # region -> cloudWatchRoleArn
    "pages": {},  # token -> remaining items (JSON listings the proxy pages)
    "foreign_keys": set(),  # KMS keys whose policy does not let the caller in
    "deleted_apis": set(),  # REST API ids deleted through the proxy
}
counts = {"refused": {}, "paged": 0}
latent = []


class Request:
    def __init__(self, service, operation, method, path, headers, body, region):
        self.service, self.operation, self.method = service, operation, method
        parsed = urllib.parse.urlparse(path)
        self.path = parsed.path
        self.query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        self.headers, self.body, self.region = headers, body, region
        self.params = {}
        text = body.decode("utf-8", "replace") if body else ""
        ctype = headers.get("Content-Type", "")
        if "x-www-form-urlencoded" in ctype and text:
            self.params = {k: v[0] for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items()}
        elif text.startswith("{"):
            try:
                self.params = json.loads(text)
            except ValueError:
                self.params = {}

    def form_list(self, prefix):
        """Values of a query-protocol map `prefix.entry.N.key/value` as a dict."""
        out = {}
        for k, v in self.params.items():
            m = re.fullmatch(re.escape(prefix) + r"\.entry\.(\d+)\.key", k)
            if m:
                out[v] = self.params.get(f"{prefix}.entry.{m.group(1)}.value", "")
        return out


class Refusal:
    def __init__(self, status, code, message, rule):
        self.status, self.code, self.message, self.rule = status, code, message, rule


def role_name(arn):
    return (arn or "").rsplit("/", 1)[-1]


def too_new(arn):
    created = state["roles"].get(role_name(arn))
    return created is not None and time.monotonic() - created < PROPAGATION_S


def policy_allows(doc, principal, action):
    """True when some Allow statement of `doc` names the service `principal` and `action`."""
    try:
        p = json.loads(doc) if isinstance(doc, str) else doc
    except ValueError:
        return False
    stmts = p.get("Statement", []) if isinstance(p, dict) else []
    if isinstance(stmts, dict):
        stmts = [stmts]
    for s in stmts:
        if s.get("Effect") != "Allow":
            continue
        svc = (s.get("Principal") or {}).get("Service") if isinstance(s.get("Principal"), dict) else None
        svcs = svc if isinstance(svc, list) else [svc]
        acts = s.get("Action")
        acts = acts if isinstance(acts, list) else [acts]
        if principal in svcs and any(a and (a.lower() == action.lower() or (a.endswith("*") and action.lower().startswith(a[:-1].lower()))) for a in acts):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Recording what the provider sets (on a successful answer only).

def record(ctx, status):
    if status >= 300:
        return
    s, op, p = ctx.service, ctx.operation, ctx.params
    with lock:
        if s == "iam" and op == "CreateRole":
            state["roles"][p.get("RoleName", "")] = time.monotonic()
        elif s == "iam" and op == "AttachRolePolicy":
            state["attached"].setdefault(p.get("RoleName", ""), set()).add(p.get("PolicyArn", ""))
        elif s == "iam" and op == "PutRolePolicy":
            state["inline"].setdefault(p.get("RoleName", ""), set()).add(p.get("PolicyName", ""))
        elif s == "sns" and op == "CreateTopic":
            policy = ctx.form_list("Attributes").get("Policy")
            if policy:
                state["topic_policy"][p.get("Name", "")] = policy
        elif s == "sns" and op == "SetTopicAttributes" and p.get("AttributeName") == "Policy":
            state["topic_policy"][p.get("TopicArn", "").rsplit(":", 1)[-1]] = p.get("AttributeValue", "")
        elif s == "s3":
            bucket = ctx.path.strip("/").split("/")[0]
            if ctx.method == "PUT" and "ownershipControls" in ctx.query:
                m = re.search(rb"<ObjectOwnership>([^<]+)</ObjectOwnership>", ctx.body or b"")
                if m:
                    state["ownership"][bucket] = m.group(1).decode()
            elif ctx.method == "DELETE" and "ownershipControls" in ctx.query:
                state["ownership"].pop(bucket, None)
            elif ctx.method == "PUT" and "encryption" in ctx.query:
                m = re.search(rb"<KMSMasterKeyID>([^<]+)</KMSMasterKeyID>", ctx.body or b"")
                if m:
                    state["bucket_kms"][bucket] = m.group(1).decode()
                else:
                    state["bucket_kms"].pop(bucket, None)
        elif s == "kms" and op in ("CreateKey", "PutKeyPolicy"):
            pass  # recorded from the answer in record_answer (the key id is AWS's)
        elif s == "apigateway" and (api := rest_api_deleted(ctx)):
            state["deleted_apis"].add(api)
        elif s == "apigateway" and ctx.method == "PATCH" and ctx.path.rstrip("/").endswith("/account"):
            for o in p.get("patchOperations", []):
                if o.get("path") == "/cloudwatchRoleArn":
                    state["apigw_role"][ctx.region] = o.get("value") or ""


def record_answer(ctx, status, body):
    if status >= 300:
        return
    if ctx.service == "kms" and ctx.operation in ("CreateKey", "PutKeyPolicy"):
        try:
            answer = json.loads(body or b"{}") or {}
        except ValueError:
            return
        key = (answer.get("KeyMetadata") or {}).get("KeyId") or ctx.params.get("KeyId", "")
        if key and ctx.params.get("Policy"):
            with lock:
                state["key_policy"][key] = ctx.params["Policy"]
        if key and ctx.operation == "CreateKey" and ctx.params.get("Description", "").startswith("rig:foreign"):
            with lock:
                state["foreign_keys"].add(key)


# ---------------------------------------------------------------------------------------------
# The rules.

def cloudtrail_topic_policy(ctx):
    """CloudTrail refuses a trail whose SNS topic policy does not let it publish.
    Source: CloudTrail User Guide, "Amazon SNS topic policy for CloudTrail"; the error as AWS
    returns it (aws-cdk#11387): InsufficientSnsTopicPolicyException, 400."""
    if ctx.service != "cloudtrail" or ctx.operation not in ("CreateTrail", "UpdateTrail"):
        return None
    topic = ctx.params.get("SnsTopicName")
    if not topic:
        return None
    name = topic.rsplit(":", 1)[-1]
    if policy_allows(state["topic_policy"].get(name, "{}"), "cloudtrail.amazonaws.com", "SNS:Publish"):
        return None
    return Refusal(400, "InsufficientSnsTopicPolicyException",
                   "SNS Topic does not exist or the topic policy is incorrect!", "cloudtrail_topic_policy")


def cloudtrail_role(ctx):
    """CloudTrail checks that it can assume the delivery role and that the role may write to the
    log group: a role not yet visible fails with InvalidCloudWatchLogsRoleArnException, a role
    without its policy with InvalidCloudWatchLogsLogGroupArnException (CreateTrail, AWS CloudTrail
    API Reference; messages as returned, terraform-provider-aws#148, aws-cdk#1963)."""
    if ctx.service != "cloudtrail" or ctx.operation not in ("CreateTrail", "UpdateTrail"):
        return None
    role = ctx.params.get("CloudWatchLogsRoleArn")
    if not role:
        return None
    if too_new(role):
        return Refusal(400, "InvalidCloudWatchLogsRoleArnException",
                       "Access denied. Check the trust relationships for your role.", "iam_propagation")
    if not state["inline"].get(role_name(role)) and not state["attached"].get(role_name(role)):
        return Refusal(400, "InvalidCloudWatchLogsLogGroupArnException",
                       "Access denied. Check the permissions for your role.", "cloudtrail_role_policy")
    return None


def cloudfront_log_bucket(ctx):
    """CloudFront standard logging needs a bucket with ACLs enabled: "Don't choose an Amazon S3
    bucket with S3 Object Ownership set to bucket owner enforced" (CloudFront Developer Guide,
    standard logging (legacy)); new buckets default to BucketOwnerEnforced. The error as AWS
    returns it: InvalidArgument, 400 (terraform-provider-aws#43069)."""
    if ctx.service != "cloudfront" or ctx.method not in ("POST", "PUT") or "/distribution" not in ctx.path:
        return None
    body = (ctx.body or b"").decode("utf-8", "replace")
    m = re.search(r"<Logging>(.*?)</Logging>", body, re.S)
    if not m or "<Enabled>true</Enabled>" not in m.group(1):
        return None
    b = re.search(r"<Bucket>([^<]*)</Bucket>", m.group(1))
    domain = b.group(1) if b else ""
    bucket = domain.split(".s3")[0]
    if state["ownership"].get(bucket, "BucketOwnerEnforced") in ("BucketOwnerPreferred", "ObjectWriter"):
        return None
    return Refusal(400, "InvalidArgument",
                   f"The S3 bucket that you specified for CloudFront logs does not enable ACL access: {domain}",
                   "cloudfront_log_bucket")


def cloudfront_oac_kms(ctx):
    """Not refused by AWS, but every object then answers 403: CloudFront reading an SSE-KMS bucket
    through origin access control needs the key policy to let cloudfront.amazonaws.com decrypt
    ("Restrict access to an Amazon S3 origin", SSE-KMS, CloudFront Developer Guide). Recorded as
    a latent fault."""
    if ctx.service != "cloudfront" or ctx.method not in ("POST", "PUT") or "/distribution" not in ctx.path:
        return None
    body = (ctx.body or b"").decode("utf-8", "replace")
    for origin in re.findall(r"<Origin>(.*?)</Origin>", body, re.S):
        if "<OriginAccessControlId>" not in origin or "<OriginAccessControlId></OriginAccessControlId>" in origin:
            continue
        d = re.search(r"<DomainName>([^<]*)</DomainName>", origin)
        bucket = d.group(1).split(".s3")[0] if d else ""
        key = state["bucket_kms"].get(bucket)
        if not key:
            continue
        key_id = key.rsplit("/", 1)[-1]
        policy = state["key_policy"].get(key_id)
        if policy is None or not policy_allows(policy, "cloudfront.amazonaws.com", "kms:Decrypt"):
            with lock:
                latent.append({"rule": "cloudfront_oac_kms",
                               "fault": f"CloudFront would answer 403 for every object of {bucket}: its key {key_id} does not let cloudfront.amazonaws.com decrypt"})
    return None


def waf_cloudfront_logs(ctx):
    """A CLOUDFRONT-scope web ACL (in us-east-1) logs only to a log group in its own region, whose
    name starts with aws-waf-logs- ("Sending web ACL traffic logs to an Amazon CloudWatch Logs
    log group", AWS WAF Developer Guide). The error as AWS returns it: WAFInvalidParameterException
    (aws-cdk#35311)."""
    if ctx.service != "wafv2" or ctx.operation != "PutLoggingConfiguration":
        return None
    cfg = ctx.params.get("LoggingConfiguration") or {}
    acl = cfg.get("ResourceArn", "")
    acl_region = acl.split(":")[3] if acl.count(":") >= 5 else ""
    for dest in cfg.get("LogDestinationConfigs", []):
        parts = dest.split(":")
        region = parts[3] if len(parts) > 3 else ""
        name = dest.split(":log-group:", 1)[-1] if ":log-group:" in dest else ""
        if (region and region != acl_region) or (":logs:" in dest and not name.startswith("aws-waf-logs-")):
            return Refusal(400, "WAFInvalidParameterException",
                           f"Error reason: The ARN isn't valid. A valid ARN begins with arn: and includes other information separated by colons or slashes., field: LOG_DESTINATION, parameter: {dest}",
                           "waf_log_destination")
    return None


def apigateway_logging_role(ctx):
    """A stage that logs to CloudWatch needs the region's API Gateway account role ("Set up
    CloudWatch logging for REST APIs", API Gateway Developer Guide: "You must set the
    cloudWatchRoleArn property separately for each AWS Region"). The error as AWS returns it:
    BadRequestException, 400 (Zappa#1946)."""
    if ctx.service != "apigateway" or ctx.method != "PATCH" or "/stages/" not in ctx.path:
        return None
    logs = False
    for o in ctx.params.get("patchOperations", []):
        path, value = o.get("path", ""), o.get("value")
        if path.endswith("/logging/loglevel") and (value or "OFF").upper() != "OFF":
            logs = True
        if path.startswith("/accessLogSettings") and o.get("op") != "remove" and value:
            logs = True
    if not logs or state["apigw_role"].get(ctx.region):
        return None
    return Refusal(400, "BadRequestException",
                   "CloudWatch Logs role ARN must be set in account settings to enable logging",
                   "apigateway_logging_role")


def apigateway_account_role(ctx):
    """UpdateAccount with a role API Gateway cannot assume yet (IAM propagation) is refused:
    BadRequestException "The role ARN does not have required permissions set to API Gateway"
    (aws-cdk#2194)."""
    if ctx.service != "apigateway" or ctx.method != "PATCH" or not ctx.path.rstrip("/").endswith("/account"):
        return None
    for o in ctx.params.get("patchOperations", []):
        if o.get("path") == "/cloudwatchRoleArn" and o.get("value") and too_new(o["value"]):
            return Refusal(400, "BadRequestException",
                           "The role ARN does not have required permissions set to API Gateway", "iam_propagation")
    return None


def lambda_concurrency(ctx):
    """Lambda keeps min(100, quota) of the account's concurrency unreserved ("You can reserve up
    to the Unreserved account concurrency value minus 100", Lambda Developer Guide); new accounts
    have small quotas. The error as AWS returns it: InvalidParameterValueException, 400
    (terraform-aws-next-js#251)."""
    if ctx.service != "lambda" or ctx.method != "PUT" or not ctx.path.endswith("/concurrency"):
        return None
    want = ctx.params.get("ReservedConcurrentExecutions", 0) or 0
    floor = min(100, LAMBDA_QUOTA)
    if want <= LAMBDA_QUOTA - floor:
        return None
    return Refusal(400, "InvalidParameterValueException",
                   f"Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{floor}].",
                   "lambda_concurrency")


def lambda_role(ctx):
    """Lambda refuses a role it cannot assume yet (IAM propagation): InvalidParameterValueException
    "The role defined for the function cannot be assumed by Lambda." (terraform-provider-aws
    retries it for its 2-minute propagation timeout)."""
    if ctx.service != "lambda" or ctx.method != "POST" or not re.search(r"/functions/?$", ctx.path):
        return None
    if too_new(ctx.params.get("Role")):
        return Refusal(400, "InvalidParameterValueException",
                       "The role defined for the function cannot be assumed by Lambda.", "iam_propagation")
    return None


# RDS for PostgreSQL minor versions that can no longer be used for new instances. Source: AWS
# Health notice for RDS for PostgreSQL, "Starting May 1, 2026, you will not be able to create new
# database instances on ... minor versions 14.14 ... 16.5, 16.6, 16.7, 16.8, 17.1 ... 17.4";
# older minors of those majors had reached the end of standard support before, and majors 11
# and 12 before them (RDS for PostgreSQL release calendar). 15 is left out: its list was not
# read in full.
RETIRED_BELOW = {14: 15, 16: 9, 17: 5}
RETIRED_MAJORS_UP_TO = 12


def rds_engine_version(ctx):
    """CreateDBInstance with a retired minor version: InvalidParameterCombination "Cannot find
    version X for postgres" (as AWS returns it: sst#6195, cloudgoat#325)."""
    if ctx.service != "rds" or ctx.operation != "CreateDBInstance" or ctx.params.get("Engine") != "postgres":
        return None
    v = ctx.params.get("EngineVersion", "")
    parts = v.split(".")
    try:
        major = int(parts[0])
        minor = int(parts[1]) if len(parts) > 1 else None
    except ValueError:
        return None
    retired = major <= RETIRED_MAJORS_UP_TO or (minor is not None and minor < RETIRED_BELOW.get(major, 0))
    if not retired:
        return None
    return Refusal(400, "InvalidParameterCombination", f"Cannot find version {v} for postgres", "rds_engine_version")


def rds_monitoring_role(ctx):
    """RDS checks the enhanced-monitoring role when the instance is created: a role it cannot see
    yet, or one without AmazonRDSEnhancedMonitoringRole, gives InvalidParameterValue "IAM role
    ARN value is invalid or does not include the required permissions for: ENHANCED_MONITORING"
    (as AWS returns it: hashicorp/terraform#5455; a race, claranet/terraform-aws-aurora#23)."""
    if ctx.service != "rds" or ctx.operation not in ("CreateDBInstance", "ModifyDBInstance"):
        return None
    role = ctx.params.get("MonitoringRoleArn")
    if not role:
        return None
    managed = any(a.endswith("/AmazonRDSEnhancedMonitoringRole") for a in state["attached"].get(role_name(role), ()))
    if too_new(role) or not managed:
        return Refusal(400, "InvalidParameterValue",
                       "IAM role ARN value is invalid or does not include the required permissions for: ENHANCED_MONITORING",
                       "rds_monitoring_role")
    return None


def rest_api_deleted(ctx):
    """The id a DeleteRestApi request names (DELETE /restapis/{id}), or None."""
    m = re.fullmatch(r"/restapis/([^/]+)/?", ctx.path) if ctx.method == "DELETE" else None
    return m.group(1) if m else None


def apigateway_deleted_api(ctx):
    """DeleteRestApi of an API already deleted: AWS answers NotFoundException, HTTP 404
    (DeleteRestApi, Amazon API Gateway API Reference, Errors: "NotFoundException: The requested
    resource is not found. Make sure that the request URI is correct.", status 404). The moto
    server fails with an HTML 500 instead (its delete pops a key that is gone), which a client
    takes for an outage. A delete sent again after its answer was lost meets exactly this."""
    api = rest_api_deleted(ctx) if ctx.service == "apigateway" else None
    if api is None or api not in state["deleted_apis"]:
        return None
    return Refusal(404, "NotFoundException", f"Invalid API identifier specified 123456789012:{api}",
                   "apigateway_deleted_api")


def kms_foreign_key(ctx):
    """An account holds keys whose key policy does not let this caller in (another team's, a
    service's): every call on them is refused, AccessDeniedException 400 ("Key policies in AWS
    KMS", AWS KMS Developer Guide: without a statement allowing it, no principal can use the
    key, not even the account's administrators). A test makes one with a description starting
    `rig:foreign`."""
    if ctx.service != "kms" or ctx.operation in ("ListKeys", "ListAliases", "CreateKey"):
        return None
    key = (ctx.params.get("KeyId") or "").rsplit("/", 1)[-1]
    if key not in state["foreign_keys"]:
        return None
    return Refusal(400, "AccessDeniedException",
                   f"User: arn:aws:iam::123456789012:user/edulibra is not authorized to perform: kms:{ctx.operation} on resource: {key} because no resource-based policy allows the kms:{ctx.operation} action",
                   "kms_foreign_key")


RULES = [kms_foreign_key, cloudtrail_topic_policy, cloudtrail_role, cloudfront_log_bucket, cloudfront_oac_kms,
         waf_cloudfront_logs, apigateway_logging_role, apigateway_account_role, lambda_concurrency,
         lambda_role, rds_engine_version, rds_monitoring_role, apigateway_deleted_api]


def check(ctx):
    """The first refusal of the rules for this request, or None (the request goes to moto)."""
    for rule in RULES:
        r = rule(ctx)
        if r is not None:
            with lock:
                counts["refused"][r.rule] = counts["refused"].get(r.rule, 0) + 1
            return r
    return None


# ---------------------------------------------------------------------------------------------
# Answers the proxy rewrites.

def lambda_account_settings(ctx):
    """GetAccountSettings, which moto lacks (it answers 404), for the rig's account: a new one
    with a small quota (EDULIBRA_RIG_LAMBDA_QUOTA), in the shape Lambda answers it."""
    if ctx.service != "lambda" or ctx.method != "GET" or "account-settings" not in ctx.path:
        return None
    return json.dumps({
        "AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
                         "CodeSizeZipped": 52428800, "ConcurrentExecutions": LAMBDA_QUOTA,
                         "UnreservedConcurrentExecutions": LAMBDA_QUOTA},
        "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": 0},
    }).encode()


# JSON listings paged by the proxy: (service, operation) -> (list key, request marker, answer
# marker, truncated flag or None). moto answers them whole; AWS pages them (ListKeys and
# ListAliases: "Limit ... default 100"; DescribeLogGroups: up to 50), and a reader that stops at
# the first page misses what is on the next.
PAGED = {
    ("kms", "ListKeys"): ("Keys", "Marker", "NextMarker", "Truncated"),
    ("kms", "ListAliases"): ("Aliases", "Marker", "NextMarker", "Truncated"),
    ("logs", "DescribeLogGroups"): ("logGroups", "nextToken", "nextToken", None),
}


def own_answer(ctx):
    """An answer the proxy gives itself instead of moto's, or None."""
    return lambda_account_settings(ctx) or page_request(ctx)


def page_request(ctx):
    """The page the proxy answers itself (a continuation of a listing it paged), or None."""
    spec = PAGED.get((ctx.service, ctx.operation))
    if not spec:
        return None
    token = ctx.params.get(spec[1])
    if not token or token not in state["pages"]:
        return None
    with lock:
        items = state["pages"].pop(token)
    return json.dumps(paged(spec, items)).encode()


def paged(spec, items):
    key, _, next_marker, truncated = spec
    page, rest = items[:PAGE_SIZE], items[PAGE_SIZE:]
    doc = {key: page}
    if rest:
        token = f"rig-page-{time.monotonic_ns()}"
        with lock:
            state["pages"][token] = rest
            counts["paged"] += 1
        doc[next_marker] = token
    if truncated:
        doc[truncated] = bool(rest)
    return doc


def page_answer(ctx, status, body):
    """Cuts a whole listing from moto into pages; the continuation comes from `page_request`."""
    spec = PAGED.get((ctx.service, ctx.operation))
    if not spec or status != 200 or ctx.params.get(spec[1]):
        return body
    try:
        doc = json.loads(body)
    except ValueError:
        return body
    items = doc.get(spec[0])
    if not isinstance(items, list) or len(items) <= PAGE_SIZE:
        return body
    return json.dumps(paged(spec, items)).encode()


def sns_pending_email(ctx, status, body):
    """An e-mail subscription stays unconfirmed until someone clicks the link, and AWS lists it
    with the SubscriptionArn `PendingConfirmation` (ListSubscriptionsByTopic, Amazon SNS API
    Reference); moto confirms at once. The proxy lists them as AWS does."""
    if ctx.service != "sns" or ctx.operation not in ("ListSubscriptionsByTopic", "ListSubscriptions") or status != 200:
        return body
    text = body.decode("utf-8", "replace")

    def pend(m):
        member = m.group(0)
        if re.search(r"<Protocol>email(-json)?</Protocol>", member):
            member = re.sub(r"<SubscriptionArn>[^<]*</SubscriptionArn>", "<SubscriptionArn>PendingConfirmation</SubscriptionArn>", member)
        return member

    return re.sub(r"<member>.*?</member>", pend, text, flags=re.S).encode()


def rewrite(ctx, status, body):
    record(ctx, status)
    record_answer(ctx, status, body)
    body = sns_pending_email(ctx, status, body)
    return page_answer(ctx, status, body)


def report():
    with lock:
        return {"refused": dict(counts["refused"]), "paged": counts["paged"], "latent": list(latent)}
