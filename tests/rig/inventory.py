#!/usr/bin/env python3
"""Counts what exists in the moto server for one environment, through moto's own API (boto3),
never through the provider: the end-to-end tests compare these counts with the topology.

usage: inventory.py ENDPOINT REGION ENVIRONMENT  -> JSON {resource type: [ids]}
Every resource tagged edulibra:environment=ENVIRONMENT (and, where it carries one,
edulibra:region=REGION: one environment name may live in several regions) is listed, plus the
untaggable children found through their parents (routes, associations, bucket settings, role
policies). What the environment keeps in us-east-1 for CloudFront (the CLOUDFRONT-scope web
ACL's log group and its key) is looked for there too.
"""
import json
import sys
from collections import defaultdict

import boto3

endpoint, region, env = sys.argv[1:4]
# Few retries: an operation moto lacks answers 500, and boto3 would retry it for long.
from botocore.config import Config
kw = dict(endpoint_url=endpoint, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing",
          config=Config(retries={"max_attempts": 2, "mode": "standard"}))
out = defaultdict(list)


def tagged(tags, key="Key", value="Value"):
    d = {t[key]: t[value] for t in tags or []}
    return owned(d), d.get("edulibra:component")


def owned(d):
    return d.get("edulibra:environment") == env and d.get("edulibra:region", region) == region


EDGE = "us-east-1"
regions = [region] + ([EDGE] if region != EDGE else [])


ec2 = boto3.client("ec2", **kw)
flt = [{"Name": "tag:edulibra:environment", "Values": [env]}]
for v in ec2.describe_vpcs(Filters=flt)["Vpcs"]:
    out["aws_vpc"].append(v["VpcId"])
for s in ec2.describe_subnets(Filters=flt)["Subnets"]:
    out["aws_subnet"].append(s["SubnetId"])
for g in ec2.describe_internet_gateways(Filters=flt)["InternetGateways"]:
    out["aws_internet_gateway"].append(g["InternetGatewayId"])
for a in ec2.describe_addresses(Filters=flt)["Addresses"]:
    out["aws_eip"].append(a["AllocationId"])
for n in ec2.describe_nat_gateways(Filter=flt)["NatGateways"]:
    if n["State"] not in ("deleted", "deleting", "failed"):
        out["aws_nat_gateway"].append(n["NatGatewayId"])
for t in ec2.describe_route_tables(Filters=flt)["RouteTables"]:
    out["aws_route_table"].append(t["RouteTableId"])
    for r in t.get("Routes", []):
        if r.get("DestinationCidrBlock") == "0.0.0.0/0":
            out["aws_route"].append(t["RouteTableId"] + "_0.0.0.0/0")
    for a in t.get("Associations", []):
        if a.get("SubnetId"):
            out["aws_route_table_association"].append(a["RouteTableAssociationId"])
for g in ec2.describe_security_groups(Filters=flt)["SecurityGroups"]:
    out["aws_security_group"].append(g["GroupId"])
for e in ec2.describe_vpc_endpoints(Filters=flt)["VpcEndpoints"]:
    if e["State"].lower() not in ("deleted", "deleting"):
        out["aws_vpc_endpoint"].append(e["VpcEndpointId"])
for f in ec2.describe_flow_logs()["FlowLogs"]:
    if tagged(f.get("Tags"))[0]:
        out["aws_flow_log"].append(f["FlowLogId"])

iam = boto3.client("iam", **kw)
for r in iam.list_roles()["Roles"]:
    tags = iam.list_role_tags(RoleName=r["RoleName"])["Tags"]
    if tagged(tags)[0]:
        name = r["RoleName"]
        out["aws_iam_role"].append(name)
        for p in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            out["aws_iam_role_policy"].append(f"{name}:{p}")
        for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            out["aws_iam_role_policy_attachment"].append(f"{name}/{p['PolicyArn']}")

for r in regions:
    kms = boto3.client("kms", **{**kw, "region_name": r})
    live_keys = set()
    for k in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
        if meta["KeyState"] in ("PendingDeletion", "PendingReplicaDeletion"):
            continue
        if tagged(kms.list_resource_tags(KeyId=k["KeyId"])["Tags"], "TagKey", "TagValue")[0]:
            out["aws_kms_key"].append(k["KeyId"])
            live_keys.add(k["KeyId"])
    for a in kms.list_aliases()["Aliases"]:
        if a.get("TargetKeyId") in live_keys:
            out["aws_kms_alias"].append(a["AliasName"])

s3 = boto3.client("s3", **kw)
for b in s3.list_buckets()["Buckets"]:
    name = b["Name"]
    try:
        tags = s3.get_bucket_tagging(Bucket=name)["TagSet"]
    except Exception:
        tags = []
    if not tagged(tags)[0]:
        continue
    out["aws_s3_bucket"].append(name)
    checks = {
        "aws_s3_bucket_server_side_encryption_configuration": lambda: s3.get_bucket_encryption(Bucket=name),
        "aws_s3_bucket_public_access_block": lambda: s3.get_public_access_block(Bucket=name),
        "aws_s3_bucket_policy": lambda: s3.get_bucket_policy(Bucket=name),
        "aws_s3_bucket_lifecycle_configuration": lambda: s3.get_bucket_lifecycle_configuration(Bucket=name),
    }
    for kind, call in checks.items():
        try:
            call()
            out[kind].append(name)
        except Exception:
            pass
    if s3.get_bucket_versioning(Bucket=name).get("Status") == "Enabled":
        out["aws_s3_bucket_versioning"].append(name)
    if s3.get_bucket_logging(Bucket=name).get("LoggingEnabled"):
        out["aws_s3_bucket_logging"].append(name)
    try:
        s3.get_bucket_ownership_controls(Bucket=name)
        out["aws_s3_bucket_ownership_controls"].append(name)
    except Exception:
        pass

for r in regions:
    logs = boto3.client("logs", **{**kw, "region_name": r})
    for g in logs.describe_log_groups()["logGroups"]:
        arn = g["arn"].removesuffix(":*")
        tags = logs.list_tags_for_resource(resourceArn=arn).get("tags", {})
        if owned(tags):
            out["aws_cloudwatch_log_group"].append(g["logGroupName"])

sm = boto3.client("secretsmanager", **kw)
for s in sm.list_secrets()["SecretList"]:
    if s.get("DeletedDate"):
        continue
    if tagged(s.get("Tags"))[0]:
        out["aws_secretsmanager_secret"].append(s["Name"])

ddb = boto3.client("dynamodb", **kw)
for name in ddb.list_tables()["TableNames"]:
    table = ddb.describe_table(TableName=name)["Table"]
    if table.get("TableStatus") == "DELETING":
        continue
    if tagged(ddb.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags"))[0]:
        out["aws_dynamodb_table"].append(name)

sns = boto3.client("sns", **kw)
for t in sns.list_topics()["Topics"]:
    arn = t["TopicArn"]
    if tagged(sns.list_tags_for_resource(ResourceArn=arn).get("Tags"))[0]:
        out["aws_sns_topic"].append(arn)
        for sub in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]:
            out["aws_sns_topic_subscription"].append(sub["SubscriptionArn"])

cw = boto3.client("cloudwatch", **kw)
for a in cw.describe_alarms()["MetricAlarms"]:
    if tagged(cw.list_tags_for_resource(ResourceARN=a["AlarmArn"]).get("Tags"))[0]:
        out["aws_cloudwatch_metric_alarm"].append(a["AlarmName"])

rds = boto3.client("rds", **kw)
for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]:
    if tagged(rds.list_tags_for_resource(ResourceName=g["DBSubnetGroupArn"])["TagList"])[0]:
        out["aws_db_subnet_group"].append(g["DBSubnetGroupName"])
for i in rds.describe_db_instances()["DBInstances"]:
    if i.get("DBInstanceStatus") == "deleting":
        continue
    if tagged(rds.list_tags_for_resource(ResourceName=i["DBInstanceArn"])["TagList"])[0]:
        out["aws_db_instance"].append(i["DBInstanceIdentifier"])

ct = boto3.client("cloudtrail", **kw)
for t in ct.describe_trails()["trailList"]:
    tags = ct.list_tags(ResourceIdList=[t["TrailARN"]])["ResourceTagList"]
    if tagged(tags[0].get("TagsList") if tags else [])[0]:
        out["aws_cloudtrail"].append(t["Name"])

ec = boto3.client("elasticache", **kw)
for g in ec.describe_cache_subnet_groups()["CacheSubnetGroups"]:
    if tagged(ec.list_tags_for_resource(ResourceName=g["ARN"])["TagList"])[0]:
        out["aws_elasticache_subnet_group"].append(g["CacheSubnetGroupName"])
for u in ec.describe_users()["Users"]:
    if u.get("Status") == "deleting" or u["UserId"] == "default":
        continue
    if tagged(ec.list_tags_for_resource(ResourceName=u["ARN"])["TagList"])[0]:
        out["aws_elasticache_user"].append(u["UserId"])
try:
    user_groups = ec.describe_user_groups()["UserGroups"]
except Exception:  # moto 5.2.5 has no user groups (HTTP 500)
    user_groups = []
for g in user_groups:
    if g.get("Status") == "deleting":
        continue
    if tagged(ec.list_tags_for_resource(ResourceName=g["ARN"])["TagList"])[0]:
        out["aws_elasticache_user_group"].append(g["UserGroupId"])
for r in ec.describe_replication_groups()["ReplicationGroups"]:
    if r.get("Status") == "deleting":
        continue
    if tagged(ec.list_tags_for_resource(ResourceName=r["ARN"])["TagList"])[0]:
        out["aws_elasticache_replication_group"].append(r["ReplicationGroupId"])

ecs = boto3.client("ecs", **kw)
env_clusters = set()
for arn in ecs.list_clusters()["clusterArns"]:
    for c in ecs.describe_clusters(clusters=[arn], include=["TAGS"])["clusters"]:
        if not tagged(c.get("tags"), "key", "value")[0]:
            continue
        env_clusters.add(c["clusterName"])
        if c["status"] != "INACTIVE":
            out["aws_ecs_cluster"].append(c["clusterName"])
        arns = ecs.list_services(cluster=arn)["serviceArns"]
        for i in range(0, len(arns), 10):
            for s in ecs.describe_services(cluster=arn, services=arns[i:i + 10], include=["TAGS"])["services"]:
                if s["status"] == "ACTIVE" and tagged(s.get("tags"), "key", "value")[0]:
                    out["aws_ecs_service"].append(s["serviceName"])
families = set()  # one child is one family, however many ACTIVE revisions it has
for arn in ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]:
    r = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
    if tagged(r.get("tags"), "key", "value")[0]:
        families.add(r["taskDefinition"]["family"])
for f in families:
    out["aws_ecs_task_definition"].append(f)

# moto keeps no tags on scalable targets: they are found through the environment's clusters.
aas = boto3.client("application-autoscaling", **kw)


def env_resource(rid):
    parts = rid.split("/")
    return len(parts) == 3 and parts[0] == "service" and parts[1] in env_clusters


for t in aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]:
    if env_resource(t["ResourceId"]):
        out["aws_appautoscaling_target"].append(t["ResourceId"])
for p in aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]:
    if env_resource(p["ResourceId"]):
        out["aws_appautoscaling_policy"].append(p["PolicyName"])

elb = boto3.client("elbv2", **kw)


def elb_tags(arn):
    return elb.describe_tags(ResourceArns=[arn])["TagDescriptions"][0]["Tags"]


protected = []  # what a regional web ACL may be associated with
for lb in elb.describe_load_balancers()["LoadBalancers"]:
    arn = lb["LoadBalancerArn"]
    if not tagged(elb_tags(arn))[0]:
        continue
    out["aws_lb"].append(arn)
    protected.append(arn)
    for l in elb.describe_listeners(LoadBalancerArn=arn)["Listeners"]:
        if tagged(elb_tags(l["ListenerArn"]))[0]:
            out["aws_lb_listener"].append(l["ListenerArn"])
for tg in elb.describe_target_groups()["TargetGroups"]:
    if tagged(elb_tags(tg["TargetGroupArn"]))[0]:
        out["aws_lb_target_group"].append(tg["TargetGroupArn"])

lam = boto3.client("lambda", **kw)
for f in lam.list_functions()["Functions"]:
    name = f["FunctionName"]
    if not owned(lam.list_tags(Resource=f["FunctionArn"]).get("Tags", {})):
        continue
    out["aws_lambda_function"].append(name)
    try:
        policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
    except lam.exceptions.ResourceNotFoundException:
        policy = {"Statement": []}
    for s in policy.get("Statement", []):
        out["aws_lambda_permission"].append(f"{name}:{s['Sid']}")

apigw = boto3.client("apigateway", **kw)
env_roles = set(out.get("aws_iam_role", []))
account_role = apigw.get_account().get("cloudwatchRoleArn") or ""
if account_role.rsplit("/", 1)[-1] in env_roles:
    out["aws_api_gateway_account"].append(account_role)
for api in apigw.get_rest_apis(limit=500)["items"]:
    if not owned(api.get("tags") or {}):
        continue
    api_id = api["id"]
    out["aws_api_gateway_rest_api"].append(api_id)
    for dep in apigw.get_deployments(restApiId=api_id)["items"]:
        out["aws_api_gateway_deployment"].append(dep["id"])
    for st in apigw.get_stages(restApiId=api_id)["item"]:
        out["aws_api_gateway_stage"].append(f"{api_id}/{st['stageName']}")
        protected.append(f"arn:aws:apigateway:{region}::/restapis/{api_id}/stages/{st['stageName']}")
        for path in (st.get("methodSettings") or {}):
            out["aws_api_gateway_method_settings"].append(f"{api_id}/{st['stageName']}/{path}")

cf = boto3.client("cloudfront", **kw)
cdn_domains = set()
for dist in (cf.list_distributions()["DistributionList"].get("Items") or []):
    tags = cf.list_tags_for_resource(Resource=dist["ARN"])["Tags"].get("Items") or []
    if tagged(tags)[0]:
        out["aws_cloudfront_distribution"].append(dist["Id"])
        cdn_domains.add(dist["DomainName"].rstrip("."))
# Untaggable: named after the environment and its region.
for c in (cf.list_origin_access_controls()["OriginAccessControlList"].get("Items") or []):
    if c["Name"].startswith(f"{env}-{region}-"):
        out["aws_cloudfront_origin_access_control"].append(c["Id"])

r53 = boto3.client("route53", **kw)
for z in r53.list_hosted_zones()["HostedZones"]:
    zid = z["Id"].split("/")[-1]
    for rr in r53.list_resource_record_sets(HostedZoneId=z["Id"])["ResourceRecordSets"]:
        if rr.get("AliasTarget", {}).get("DNSName", "").rstrip(".") in cdn_domains:
            out["aws_route53_record"].append(f'{zid}_{rr["Name"].rstrip(".")}_{rr["Type"]}')

waf_regional = boto3.client("wafv2", **kw)
waf_global = boto3.client("wafv2", **{**kw, "region_name": "us-east-1"})  # CLOUDFRONT scope
for scope, waf in (("CLOUDFRONT", waf_global), ("REGIONAL", waf_regional)):
    for a in waf.list_web_acls(Scope=scope, Limit=100).get("WebACLs", []):
        info = waf.list_tags_for_resource(ResourceARN=a["ARN"]).get("TagInfoForResource", {})
        if not tagged(info.get("TagList"))[0]:
            continue
        out["aws_wafv2_web_acl"].append(a["ARN"])
        try:
            waf.get_logging_configuration(ResourceArn=a["ARN"])
            out["aws_wafv2_web_acl_logging_configuration"].append(a["ARN"])
        except waf.exceptions.WAFNonexistentItemException:
            pass
for arn in protected:
    acl = waf_regional.get_web_acl_for_resource(ResourceArn=arn).get("WebACL")
    if acl:
        out["aws_wafv2_web_acl_association"].append(f"{acl['ARN']},{arn}")

backup = boto3.client("backup", **kw)
for v in backup.list_backup_vaults()["BackupVaultList"]:
    if owned(backup.list_tags(ResourceArn=v["BackupVaultArn"]).get("Tags", {})):
        out["aws_backup_vault"].append(v["BackupVaultName"])
for p in backup.list_backup_plans()["BackupPlansList"]:
    if p.get("DeletionDate"):
        continue
    if owned(backup.list_tags(ResourceArn=p["BackupPlanArn"]).get("Tags", {})):
        out["aws_backup_plan"].append(p["BackupPlanId"])
        try:
            sels = backup.list_backup_selections(BackupPlanId=p["BackupPlanId"])["BackupSelectionsList"]
        except Exception:  # moto 5.2.5 has no backup selections (HTTP 500)
            sels = []
        for s in sels:
            out["aws_backup_selection"].append(s["SelectionId"])

print(json.dumps({k: sorted(v) for k, v in sorted(out.items())}))
