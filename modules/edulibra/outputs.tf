output "id" {
  description = "The environment's identifier, <name>-<stage>."
  value       = edulibra_environment.this.id
}
output "resource_count" {
  description = "Number of AWS resources in the environment."
  value       = edulibra_environment.this.resource_count
}
output "vpc_id" {
  description = "VPC id."
  value       = edulibra_environment.this.vpc_id
}
output "public_subnet_ids" {
  description = "Public subnet ids, one per AZ."
  value       = edulibra_environment.this.public_subnet_ids
}
output "private_subnet_ids" {
  description = "Private subnet ids, one per AZ."
  value       = edulibra_environment.this.private_subnet_ids
}
output "data_subnet_ids" {
  description = "Data subnet ids, one per AZ."
  value       = edulibra_environment.this.data_subnet_ids
}
output "kms_key_arn" {
  description = "ARN of the environment's KMS key."
  value       = edulibra_environment.this.kms_key_arn
}
output "site_bucket_name" {
  description = "S3 bucket of the static site."
  value       = edulibra_environment.this.site_bucket_name
}
output "media_bucket_name" {
  description = "S3 bucket of uploaded media."
  value       = edulibra_environment.this.media_bucket_name
}
output "logs_bucket_name" {
  description = "S3 bucket of access logs and CloudTrail."
  value       = edulibra_environment.this.logs_bucket_name
}
output "cdn_domain_name" {
  description = "CloudFront domain name."
  value       = edulibra_environment.this.cdn_domain_name
}
output "api_endpoint" {
  description = "Base URL of the application API."
  value       = edulibra_environment.this.api_endpoint
}
output "database_endpoint" {
  description = "PostgreSQL endpoint, host:port."
  value       = edulibra_environment.this.database_endpoint
}
output "database_secret_arn" {
  description = "ARN of the AWS-managed master password secret."
  value       = edulibra_environment.this.database_secret_arn
}
