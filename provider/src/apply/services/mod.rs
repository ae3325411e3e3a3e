//! The drivers: one module per AWS service, each the only code that calls its service.

use super::driver::{Driver, Registry};
use super::kinds::{self, Service};
use crate::aws::{
    AwsContext,
    Calls::{Reads, Writes},
};

/// Every driver this version has, for the environment's region and for the other regions its
/// children live in (us-east-1, for what CloudFront needs there).
pub struct AwsRegistry {
    home: Drivers,
    others: Vec<(String, Drivers)>,
}

impl AwsRegistry {
    pub fn new(aws: &AwsContext) -> AwsRegistry {
        let home_region = aws.sdk.region().map(|r| r.to_string()).unwrap_or_default();
        let global = crate::topology::global_region(crate::topology::partition_of(&home_region));
        let others = [global]
            .into_iter()
            .filter(|r| *r != home_region)
            .map(|r| (r.to_string(), Drivers::new(&aws.in_region(r))))
            .collect();
        AwsRegistry {
            home: Drivers::new(aws),
            others,
        }
    }
}

/// The drivers of one region.
struct Drivers {
    apigateway: apigateway::ApiGateway,
    autoscaling: autoscaling::AppAutoScaling,
    backup: backup::Backup,
    cloudfront: cloudfront::CloudFront,
    cloudtrail: cloudtrail::CloudTrail,
    ecs: ecs::Ecs,
    elasticache: elasticache::ElastiCache,
    elbv2: elbv2::Elbv2,
    lambda: lambda::Lambda,
    route53: route53::Route53,
    wafv2: wafv2::Wafv2,
    cloudwatch: cloudwatch::CloudWatch,
    dynamodb: dynamodb::DynamoDb,
    ec2: ec2::Ec2,
    iam: iam::Iam,
    kms: kms::Kms,
    logs: logs::Logs,
    rds: rds::Rds,
    s3: s3::S3,
    secrets: secrets::Secrets,
    sns: sns::Sns,
}

impl Drivers {
    fn new(aws: &AwsContext) -> Drivers {
        let region = aws.sdk.region().map(|r| r.to_string()).unwrap_or_default();
        Drivers {
            apigateway: apigateway::ApiGateway::new(
                aws.apigateway(Writes),
                aws.apigateway(Reads),
                aws.sts(),
                region.clone(),
            ),
            autoscaling: autoscaling::AppAutoScaling::new(
                aws.appautoscaling(Writes),
                aws.appautoscaling(Reads),
            ),
            backup: backup::Backup::new(aws.backup(Writes), aws.backup(Reads)),
            cloudfront: cloudfront::CloudFront::new(aws.cloudfront(Writes), aws.cloudfront(Reads)),
            ecs: ecs::Ecs::new(aws.ecs(Writes), aws.ecs(Reads)),
            elasticache: elasticache::ElastiCache::new(
                aws.elasticache(Writes),
                aws.elasticache(Reads),
            ),
            elbv2: elbv2::Elbv2::new(aws.elbv2(Writes), aws.elbv2(Reads)),
            lambda: lambda::Lambda::new(aws.lambda(Writes), aws.lambda(Reads)),
            route53: route53::Route53::new(aws.route53(Writes), aws.route53(Reads)),
            wafv2: wafv2::Wafv2::new(
                aws.wafv2(Writes),
                aws.wafv2(Reads),
                aws.wafv2_global(Writes),
                aws.wafv2_global(Reads),
            ),
            cloudtrail: cloudtrail::CloudTrail::new(aws.cloudtrail(Writes), aws.cloudtrail(Reads)),
            cloudwatch: cloudwatch::CloudWatch::new(aws.cloudwatch(Writes), aws.cloudwatch(Reads)),
            dynamodb: dynamodb::DynamoDb::new(aws.dynamodb(Writes), aws.dynamodb(Reads)),
            ec2: ec2::Ec2::new(aws.ec2(Writes), aws.ec2(Reads)),
            iam: iam::Iam::new(aws.iam(Writes), aws.iam(Reads)),
            kms: kms::Kms::new(aws.kms(Writes), aws.kms(Reads)),
            logs: logs::Logs::new(aws.logs(Writes), aws.logs(Reads)),
            rds: rds::Rds::new(aws.rds(Writes), aws.rds(Reads)),
            s3: s3::S3::new(aws.s3(Writes), aws.s3(Reads), region),
            secrets: secrets::Secrets::new(aws.secretsmanager(Writes), aws.secretsmanager(Reads)),
            sns: sns::Sns::new(aws.sns(Writes), aws.sns(Reads)),
        }
    }
}

impl Registry for AwsRegistry {
    fn driver(&self, kind: &str) -> Option<&dyn Driver> {
        self.home.get(kind)
    }

    fn driver_in(&self, kind: &str, region: Option<&str>) -> Option<&dyn Driver> {
        match region {
            Some(r) => match self.others.iter().find(|(name, _)| name == r) {
                Some((_, drivers)) => drivers.get(kind),
                None => self.home.get(kind),
            },
            None => self.home.get(kind),
        }
    }

    fn manifests(&self) -> Option<&dyn super::driver::ManifestStore> {
        Some(&self.home.s3)
    }
}

impl Drivers {
    fn get(&self, kind: &str) -> Option<&dyn Driver> {
        Some(match kinds::service(kind)? {
            Service::Ec2 => &self.ec2,
            Service::Iam => &self.iam,
            Service::Kms => &self.kms,
            Service::S3 => &self.s3,
            Service::Logs => &self.logs,
            Service::SecretsManager => &self.secrets,
            Service::DynamoDb => &self.dynamodb,
            Service::Sns => &self.sns,
            Service::CloudWatch => &self.cloudwatch,
            Service::Rds => &self.rds,
            Service::CloudTrail => &self.cloudtrail,
            Service::ElastiCache => &self.elasticache,
            Service::Ecs => &self.ecs,
            Service::AppAutoScaling => &self.autoscaling,
            Service::Elbv2 => &self.elbv2,
            Service::Lambda => &self.lambda,
            Service::ApiGateway => &self.apigateway,
            Service::CloudFront => &self.cloudfront,
            Service::Wafv2 => &self.wafv2,
            Service::Route53 => &self.route53,
            Service::Backup => &self.backup,
        })
    }
}

/// The usual driver's clients: one for writes and one for reads (`crate::aws::Calls`).
macro_rules! service_client {
    ($t:ident, $client:ty) => {
        pub struct $t {
            client: $client,
            reads: $client,
        }

        impl $t {
            pub fn new(client: $client, reads: $client) -> $t {
                $t { client, reads }
            }
        }
    };
}
pub(crate) use service_client;

// The moves every driver shares, each in the module that owns its concern.
pub(crate) use super::calls::{
    absent_ok, attr, attrs, built, empty_answer, first_of, named, not_found, not_visible, observed,
    reported, unsupported, Call,
};
pub(crate) use super::tags::{sdk_tag, tag_map};
pub(crate) use super::wait::{
    codes, for_states, until_gone, wait_until, while_busy, Absent, States, Status,
};

mod apigateway;
mod autoscaling;
mod backup;
mod cloudfront;
mod cloudtrail;
mod cloudwatch;
mod dynamodb;
mod ec2;
mod ecs;
mod elasticache;
mod elbv2;
mod iam;
mod kms;
mod lambda;

mod logs;
mod rds;
mod route53;
mod s3;
mod secrets;
mod sns;
mod wafv2;
