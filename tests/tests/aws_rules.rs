//! The rig's AWS rules (`rig/awsrules.py`): each refuses, through the proxy, a request AWS
//! refuses and moto accepts, with AWS's error code; and lets the corrected request through.
//! Every end-to-end test runs through these rules, so a provider defect they stand for fails
//! there; these tests show each rule itself works.

use edulibra_e2e::{boto3_at, Moto};

/// Runs `code` (boto3, `client(service)` in scope, `attempt(f)` returning the error code or
/// "ok") through the rules proxy and returns its printed lines.
fn through_rules(moto: &Moto, region: &str, code: &str) -> Vec<String> {
    let prelude = "import json\nfrom botocore.exceptions import ClientError\ndef attempt(f):\n    try:\n        f()\n        return 'ok'\n    except ClientError as e:\n        return e.response['Error']['Code']\n";
    boto3_at(&moto.endpoint(), region, &format!("{prelude}{code}"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_rules_refuse_what_aws_refuses_and_pass_the_fix() {
    let moto = Moto::start().unwrap();
    let out = through_rules(
        &moto,
        "eu-central-1",
        r#"
iam, sns, ct, s3 = client('iam'), client('sns'), client('cloudtrail'), client('s3')
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
role = iam.create_role(RoleName='trail', AssumeRolePolicyDocument=trust)['Role']['Arn']
s3.create_bucket(Bucket='trail-logs', CreateBucketConfiguration={'LocationConstraint': 'eu-central-1'})
sns.create_topic(Name='bare')
trail = lambda topic: ct.create_trail(Name='t-' + topic, S3BucketName='trail-logs', SnsTopicName=topic)
print('topic without policy', attempt(lambda: trail('bare')))
policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "SNS:Publish", "Resource": "*"}]})
sns.create_topic(Name='ok', Attributes={'Policy': policy})
print('topic with policy', attempt(lambda: trail('ok')))
group = 'arn:aws:logs:eu-central-1:123456789012:log-group:g:*'
withrole = lambda n: ct.create_trail(Name=n, S3BucketName='trail-logs', CloudWatchLogsLogGroupArn=group, CloudWatchLogsRoleArn=role)
print('role just created', attempt(lambda: withrole('role-1')))
import time; time.sleep(2.5)
print('role without policy', attempt(lambda: withrole('role-2')))
iam.put_role_policy(RoleName='trail', PolicyName='p', PolicyDocument=policy)
print('role with policy', attempt(lambda: withrole('role-3')))
"#,
    );
    assert_eq!(
        out,
        [
            "topic without policy InsufficientSnsTopicPolicyException",
            "topic with policy ok",
            "role just created InvalidCloudWatchLogsRoleArnException",
            "role without policy InvalidCloudWatchLogsLogGroupArnException",
            "role with policy ok",
        ]
    );
}

#[test]
fn rds_lambda_waf_and_api_gateway_rules() {
    let moto = Moto::start().unwrap();
    let out = through_rules(
        &moto,
        "eu-central-1",
        r#"
rds, iam, lam, waf_global, logs_global, apigw = client('rds'), client('iam'), client('lambda'), None, None, client('apigateway')
db = lambda v, **kw: rds.create_db_instance(DBInstanceIdentifier='db' + v.replace('.', '-'), Engine='postgres', EngineVersion=v, DBInstanceClass='db.t4g.micro', AllocatedStorage=20, MasterUsername='u', MasterUserPassword='password123', **kw)
print('retired minor', attempt(lambda: db('16.4')))
print('major only', attempt(lambda: db('16')))
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
mon = iam.create_role(RoleName='mon', AssumeRolePolicyDocument=trust)['Role']['Arn']
import time; time.sleep(2.5)
print('monitoring role without policy', attempt(lambda: db('17', MonitoringInterval=60, MonitoringRoleArn=mon)))
iam.attach_role_policy(RoleName='mon', PolicyArn='arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole')
print('monitoring role with policy', attempt(lambda: db('17.6', MonitoringInterval=60, MonitoringRoleArn=mon)))
print('reserve beyond quota', attempt(lambda: lam.put_function_concurrency(FunctionName='f', ReservedConcurrentExecutions=10)))
print('account quota', lam.get_account_settings()['AccountLimit']['ConcurrentExecutions'])
api = apigw.create_rest_api(name='a')['id']
root = apigw.get_resources(restApiId=api)['items'][0]['id']
apigw.put_method(restApiId=api, resourceId=root, httpMethod='GET', authorizationType='NONE')
apigw.put_integration(restApiId=api, resourceId=root, httpMethod='GET', type='MOCK')
dep = apigw.create_deployment(restApiId=api, stageName='v1')['id']
log = lambda: apigw.update_stage(restApiId=api, stageName='v1', patchOperations=[{'op': 'replace', 'path': '/*/*/logging/loglevel', 'value': 'ERROR'}])
print('logging without account role', attempt(log))
apigw.update_account(patchOperations=[{'op': 'replace', 'path': '/cloudwatchRoleArn', 'value': mon}])
print('logging with account role', attempt(log))
apigw.delete_rest_api(restApiId=api)
print('delete again', attempt(lambda: apigw.delete_rest_api(restApiId=api)))
"#,
    );
    assert_eq!(
        out,
        [
            "retired minor InvalidParameterCombination",
            "major only ok",
            "monitoring role without policy InvalidParameterValue",
            "monitoring role with policy ok",
            "reserve beyond quota InvalidParameterValueException",
            "account quota 10",
            "logging without account role BadRequestException",
            "logging with account role ok",
            "delete again NotFoundException",
        ]
    );
}

#[test]
fn cloudfront_waf_rules_and_paged_listings() {
    let moto = Moto::start().unwrap();
    let out = through_rules(
        &moto,
        "us-east-1",
        r#"
s3, cf, waf, kms = client('s3'), client('cloudfront'), client('wafv2'), client('kms')
s3.create_bucket(Bucket='logs')
def dist(ref):
    return cf.create_distribution(DistributionConfig={'CallerReference': ref, 'Comment': '', 'Enabled': True,
        'Origins': {'Quantity': 1, 'Items': [{'Id': 'o', 'DomainName': 'example.com', 'CustomOriginConfig': {'HTTPPort': 80, 'HTTPSPort': 443, 'OriginProtocolPolicy': 'https-only'}}]},
        'DefaultCacheBehavior': {'TargetOriginId': 'o', 'ViewerProtocolPolicy': 'redirect-to-https', 'CachePolicyId': '658327ea-f89d-4fab-a63d-7e88639e58f6'},
        'Logging': {'Enabled': True, 'IncludeCookies': False, 'Bucket': 'logs.s3.amazonaws.com', 'Prefix': 'cf/'}})
print('log bucket without ACLs', attempt(lambda: dist('a')))
s3.put_bucket_ownership_controls(Bucket='logs', OwnershipControls={'Rules': [{'ObjectOwnership': 'BucketOwnerPreferred'}]})
print('log bucket with ACLs', attempt(lambda: dist('b')))
vis = {'SampledRequestsEnabled': False, 'CloudWatchMetricsEnabled': False, 'MetricName': 'm'}
acl = waf.create_web_acl(Name='acl', Scope='CLOUDFRONT', DefaultAction={'Allow': {}}, VisibilityConfig=vis)['Summary']['ARN']
put = lambda dest: waf.put_logging_configuration(LoggingConfiguration={'ResourceArn': acl, 'LogDestinationConfigs': [dest]})
print('log group in another region', attempt(lambda: put('arn:aws:logs:eu-central-1:123456789012:log-group:aws-waf-logs-x')))
print('log group in us-east-1', attempt(lambda: put('arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-x')))
for i in range(3):
    kms.create_key()
first = kms.list_keys()
print('first page', len(first['Keys']), first['Truncated'])
keys, marker = [], None
while True:
    page = kms.list_keys(**({'Marker': marker} if marker else {}))
    keys += page['Keys']
    if not page.get('Truncated'):
        break
    marker = page['NextMarker']
print('all pages', len(keys))
key = kms.create_key(Policy=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}]}))['KeyMetadata']['KeyId']
s3.create_bucket(Bucket='site')
s3.put_bucket_encryption(Bucket='site', ServerSideEncryptionConfiguration={'Rules': [{'ApplyServerSideEncryptionByDefault': {'SSEAlgorithm': 'aws:kms', 'KMSMasterKeyID': key}}]})
oac = cf.create_origin_access_control(OriginAccessControlConfig={'Name': 'site', 'SigningProtocol': 'sigv4', 'SigningBehavior': 'always', 'OriginAccessControlOriginType': 's3'})['OriginAccessControl']['Id']
def site(ref):
    return cf.create_distribution(DistributionConfig={'CallerReference': ref, 'Comment': '', 'Enabled': True,
        'Origins': {'Quantity': 1, 'Items': [{'Id': 's', 'DomainName': 'site.s3.us-east-1.amazonaws.com', 'OriginAccessControlId': oac, 'S3OriginConfig': {'OriginAccessIdentity': ''}}]},
        'DefaultCacheBehavior': {'TargetOriginId': 's', 'ViewerProtocolPolicy': 'redirect-to-https', 'CachePolicyId': '658327ea-f89d-4fab-a63d-7e88639e58f6'}})
print('site without key grant', attempt(lambda: site('c')))
kms.put_key_policy(KeyId=key, PolicyName='default', Policy=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "kms:Decrypt", "Resource": "*"}]}))
print('site with key grant', attempt(lambda: site('d')))
"#,
    );
    assert_eq!(
        out,
        [
            "log bucket without ACLs InvalidArgument",
            "log bucket with ACLs ok",
            "log group in another region WAFInvalidParameterException",
            "log group in us-east-1 ok",
            "first page 1 True",
            "all pages 3",
            "site without key grant ok",
            "site with key grant ok",
        ]
    );
    let report = moto.rules_report().unwrap();
    assert!(report["paged"].as_u64().unwrap() >= 1, "{report}");
    // AWS accepts both distributions; the first would answer 403 for every object.
    let latent = report["latent"].as_array().unwrap();
    assert_eq!(latent.len(), 1, "{report}");
    assert_eq!(latent[0]["rule"], "cloudfront_oac_kms");
}
