//! `edulibra_database_credentials`, an ephemeral resource (Terraform 1.10 and later): the
//! environment's database endpoint and its master credentials, read from the secret RDS manages
//! for it, for one Terraform run. A PostgreSQL provider can be configured from it without the
//! password ever entering the plan or the state.

use crate::aws::{describe_sdk_error, AwsContext, Calls};
use crate::diag::Diagnostic;
use crate::schema::{Attribute, Block, Schema};
use crate::value::{Type, Value};

pub const DATABASE_CREDENTIALS: &str = "edulibra_database_credentials";

pub fn database_credentials_schema() -> Schema {
    Schema::new(
        0,
        Block::new("The master credentials and endpoint of an environment's PostgreSQL database, read from the secret RDS manages for it, for this run only: never in the plan or the state (Terraform 1.10 and later).")
            .attr(Attribute::required("environment_id", Type::String, "The environment's id, `<name>-<stage>` (`edulibra_environment.x.id`)."))
            .attr(Attribute::computed("host", Type::String, "The database's host name."))
            .attr(Attribute::computed("port", Type::Number, "The database's port."))
            .attr(Attribute::computed("database", Type::String, "The database's name."))
            .attr(Attribute::computed("username", Type::String, "The master user."))
            .attr(Attribute::computed("password", Type::String, "The master password.").sensitive())
            .attr(Attribute::computed("secret_arn", Type::String, "The Secrets Manager secret RDS manages for the master password.")),
    )
    .expect("database credentials schema is valid")
}

/// Reads the credentials of environment `id`'s database.
pub async fn open(aws: &AwsContext, id: &str) -> Result<Value, Diagnostic> {
    let identifier = format!("{id}-db");
    let fail =
        |summary: &str, detail: String| Diagnostic::error(summary, detail).at("environment_id");
    let described = aws
        .rds(Calls::Reads)
        .describe_db_instances()
        .db_instance_identifier(&identifier)
        .send()
        .await;
    let instance = match described {
        Ok(r) => r.db_instances().first().cloned(),
        Err(e) if describe_sdk_error(&e).contains("DBInstanceNotFound") => None,
        Err(e) => return Err(fail("Cannot read the database", describe_sdk_error(&e))),
    };
    let Some(db) = instance else {
        return Err(fail(
            "No database",
            format!("Environment {id:?} has no database {identifier} in this region and account: check environment_id, and that the environment was applied."),
        ));
    };
    let secret = db
        .master_user_secret()
        .and_then(|s| s.secret_arn())
        .ok_or_else(|| fail("No managed secret", format!("The database {identifier} keeps no master password in Secrets Manager (manage_master_user_password is off).")))?
        .to_string();
    let value = aws
        .secretsmanager(Calls::Reads)
        .get_secret_value()
        .secret_id(&secret)
        .send()
        .await
        .map_err(|e| fail("Cannot read the database secret", describe_sdk_error(&e)))?;
    let doc: serde_json::Value = value
        .secret_string()
        .and_then(|s| serde_json::from_str(s).ok())
        .ok_or_else(|| fail("Unreadable database secret", format!("The secret {secret} does not hold the JSON RDS writes ({{\"username\", \"password\"}}).")))?;
    let text = |k: &str| doc.get(k).and_then(|v| v.as_str()).unwrap_or_default();
    let endpoint = db.endpoint();
    Ok(Value::object([
        ("environment_id", Value::from(id)),
        (
            "host",
            Value::from(endpoint.and_then(|e| e.address()).unwrap_or_default()),
        ),
        (
            "port",
            Value::int(endpoint.and_then(|e| e.port()).unwrap_or(5432) as i64),
        ),
        ("database", Value::from(db.db_name().unwrap_or("postgres"))),
        (
            "username",
            Value::from(if text("username").is_empty() {
                db.master_username().unwrap_or_default()
            } else {
                text("username")
            }),
        ),
        ("password", Value::from(text("password"))),
        ("secret_arn", Value::from(secret.as_str())),
    ]))
}
