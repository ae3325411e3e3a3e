#!/usr/bin/env python3
"""Counts what exists in the moto server for one environment, through moto's own API (boto3),
never through the provider: the end-to-end tests compare these counts with the topology.

usage: inventory.py ENDPOINT REGION ENVIRONMENT  -> JSON {resource type: [ids]}
Every resource tagged edulibra:environment=ENVIRONMENT is listed, plus the untaggable
children found through their parents (routes, associations, bucket settings, role policies).
"""
import json
import sys
from collections import defaultdict

import boto3

endpoint, region, env = sys.argv[1:4]
kw = dict(endpoint_url=endpoint, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")
out = defaultdict(list)


def tagged(tags, key="Key", value="Value"):
    d = {t[key]: t[value] for t in tags or []}
    return d.get("edulibra:environment") == env, d.get("edulibra:component")


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

kms = boto3.client("kms", **kw)
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

logs = boto3.client("logs", **kw)
for g in logs.describe_log_groups()["logGroups"]:
    arn = g["arn"].removesuffix(":*")
    tags = logs.list_tags_for_resource(resourceArn=arn).get("tags", {})
    if tags.get("edulibra:environment") == env:
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

print(json.dumps({k: sorted(v) for k, v in sorted(out.items())}))
