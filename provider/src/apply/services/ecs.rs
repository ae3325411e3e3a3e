//! ECS on Fargate: the cluster (found by its unique name), the task definition (found by its
//! unique family: the child is the family's latest ACTIVE revision, and every change registers a
//! new revision, since AWS never changes one) and the service (found by name in its cluster).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_ecs::types::{
    ApplicationProtocol, AssignPublicIp, AwsVpcConfiguration, Cluster, ClusterField,
    ClusterSetting, ClusterSettingName, Compatibility, ContainerDefinition, CpuArchitecture,
    DeploymentCircuitBreaker, DeploymentConfiguration, HealthCheck, KeyValuePair, LaunchType,
    LoadBalancer, LogConfiguration, LogDriver, MountPoint, NetworkConfiguration, NetworkMode,
    OsFamily, PortMapping, PropagateTags, RuntimePlatform, Secret, Service, ServiceField,
    SortOrder, Tag, TaskDefinition, TaskDefinitionField, TaskDefinitionStatus, TransportProtocol,
    Volume,
};
use aws_sdk_ecs::Client;
use serde_json::{json, Map, Value as Json};

use super::{
    absent_ok, attr, attrs, built, for_states, observed, tag_map, until_gone, wait_until, Absent,
    Call, States,
};
use super::{empty_answer, not_visible};
use crate::apply::driver::{
    Attrs, CallError, Desired, Ensured, ErrorClass, Fields, Found, Observed,
};
use crate::apply::pages;
use crate::apply::resource::{resources, sorted, Modify, Resource};
use crate::apply::tags;

const CLUSTER: &str = "aws_ecs_cluster";
const TASK_DEFINITION: &str = "aws_ecs_task_definition";
const SERVICE: &str = "aws_ecs_service";

/// A new cluster or service is ACTIVE within seconds (moto: at once).
/// "Cluster.status", ECS API Reference: FAILED is a cluster whose resources could not be
/// created, and it stays so.
const CLUSTER_STATES: States = States {
    ready: &["ACTIVE"],
    terminal: &["FAILED"],
};

/// "Service.status", ECS API Reference: ACTIVE, DRAINING or INACTIVE. A service re-created
/// under the name of one just deleted may be described INACTIVE for a moment, so no status is
/// terminal here; a rollout that fails stops the next wait (`rolled_out`).
const SERVICE_STATES: States = States {
    ready: &["ACTIVE"],
    terminal: &[],
};

const ACTIVE_WITHIN: Duration = Duration::from_secs(10 * 60);

/// A service's deployment is done when its tasks run and pass the load balancer's health
/// checks; the deployment circuit breaker fails it before this when tasks keep failing.
const ROLLED_OUT_WITHIN: Duration = Duration::from_secs(30 * 60);

/// A deleted service drains until its tasks have stopped: the target group's deregistration
/// delay plus the containers' stop timeout, more when AWS is slow to place the stops.
const DRAINED_WITHIN: Duration = Duration::from_secs(20 * 60);

/// ECS answers these while an earlier change is still settling (tasks still stopping in a
/// cluster being deleted, a deployment in progress): worth retrying, unlike the rest of the
/// `ClientException` family.
const SETTLING: &[&str] = &[
    "ClusterContainsServicesException",
    "ClusterContainsTasksException",
    "ClusterContainsContainerInstancesException",
    "UpdateInProgressException",
    "ResourceInUseException",
];

fn settling(e: CallError) -> CallError {
    e.transient_on(SETTLING)
}

/// ECS says a revision does not exist (or was deleted) with a generic `ClientException`.
fn no_task_definition(e: &CallError) -> bool {
    e.is_not_found()
        || (e.code == "ClientException"
            && e.message
                .to_ascii_lowercase()
                .contains("unable to describe task definition"))
}

/// A service already draining or gone answers these to a delete: nothing is left to do.
fn gone_ok<T>(r: Result<T, CallError>) -> Result<(), CallError> {
    match r {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() || e.code == "ServiceNotActiveException" => Ok(()),
        Err(e) => Err(e),
    }
}

fn m_int(
    address: &str,
    key: &str,
    m: &Map<String, Json>,
    k: &str,
) -> Result<Option<i32>, CallError> {
    match m.get(k).filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| {
                CallError::bad_value(address, key, &format!("`{k}` must be an integer"))
            }),
    }
}

/// A value hashicorp/aws types as a string that a configuration may also write as a number
/// (`cpu = 256`).
fn text(d: &Desired<'_>, k: &str) -> Option<String> {
    match d.get(k)? {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// When the desired side leaves a value to AWS, whatever AWS chose is right.
fn lenient(want: Option<&str>, got: Option<&str>) -> bool {
    want.is_none() || want == got
}

/// The family and revision an ARN ends with (`...:task-definition/family:7`).
fn family_of(arn: &str) -> Option<&str> {
    let tail = arn.rsplit_once('/').map(|(_, t)| t).unwrap_or(arn);
    tail.rsplit_once(':').map(|(f, _)| f)
}

fn revision_of(arn: &str) -> i64 {
    arn.rsplit(':')
        .next()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// True when the service's PRIMARY deployment has COMPLETED; an error naming AWS's reason and
/// the service's latest events when it FAILED (the circuit breaker rolled it back).
fn rolled_out(name: &str, s: &Service) -> Result<bool, CallError> {
    let Some(primary) = s
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"))
    else {
        return Ok(false);
    };
    match primary.rollout_state().map(|r| r.as_str()) {
        Some("COMPLETED") => Ok(true),
        Some("FAILED") => {
            let events: Vec<&str> = s
                .events()
                .iter()
                .take(3)
                .filter_map(|e| e.message())
                .collect();
            Err(CallError::new(
                "DescribeServices",
                "DeploymentFailed",
                format!(
                    "service {name}: deployment {} failed: {}; latest events: {}",
                    primary.id().unwrap_or(""),
                    primary.rollout_state_reason().unwrap_or("no reason given"),
                    events.join(" | ")
                ),
                ErrorClass::Permanent,
            ))
        }
        // IN_PROGRESS; or no rollout state at all (a deployment controller other than ECS's):
        // then the counts say it.
        Some(_) => Ok(false),
        None => {
            Ok(primary.running_count() >= primary.desired_count() && primary.desired_count() > 0)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Container definitions: hashicorp/aws passes the ECS API's own JSON (camelCase) as a string.

/// The container keys this driver registers. Any other key is refused, so that a topology
/// change cannot be dropped silently.
const CONTAINER_KEYS: &[&str] = &[
    "name",
    "image",
    "essential",
    "cpu",
    "memory",
    "memoryReservation",
    "readonlyRootFilesystem",
    "privileged",
    "user",
    "workingDirectory",
    "command",
    "entryPoint",
    "portMappings",
    "environment",
    "secrets",
    "logConfiguration",
    "healthCheck",
    "startTimeout",
    "stopTimeout",
    "mountPoints",
];

/// Keys AWS answers with empty lists by default: accepted when empty, since they say nothing.
const EMPTY_OK: &[&str] = &[
    "volumesFrom",
    "systemControls",
    "links",
    "dnsServers",
    "dnsSearchDomains",
    "extraHosts",
    "ulimits",
    "dockerSecurityOptions",
];

fn bad(address: &str, why: &str) -> CallError {
    CallError::bad_value(address, "container_definitions", why)
}

/// One JSON object of the container definitions, with the path that error messages name.
struct Obj<'a> {
    address: &'a str,
    path: String,
    m: &'a Map<String, Json>,
}

impl<'a> Obj<'a> {
    fn of(address: &'a str, path: String, v: &'a Json) -> Result<Obj<'a>, CallError> {
        match v.as_object() {
            Some(m) => Ok(Obj { address, path, m }),
            None => Err(bad(address, &format!("{path} must be an object"))),
        }
    }

    fn wrong(&self, k: &str, what: &str) -> CallError {
        bad(self.address, &format!("{}.{k} must be {what}", self.path))
    }

    fn get(&self, k: &str) -> Option<&'a Json> {
        self.m.get(k).filter(|v| !v.is_null())
    }

    fn str(&self, k: &str) -> Result<Option<String>, CallError> {
        match self.get(k) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.wrong(k, "a string")),
        }
    }

    fn int(&self, k: &str) -> Result<Option<i32>, CallError> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| self.wrong(k, "an integer")),
        }
    }

    fn bool(&self, k: &str) -> Result<Option<bool>, CallError> {
        match self.get(k) {
            None => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.wrong(k, "true or false")),
        }
    }

    fn strings(&self, k: &str) -> Result<Option<Vec<String>>, CallError> {
        match self.get(k) {
            None => Ok(None),
            Some(Json::Array(a)) => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| self.wrong(k, "a list of strings"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(self.wrong(k, "a list of strings")),
        }
    }

    fn list(&self, k: &str) -> Result<Vec<Obj<'a>>, CallError> {
        match self.get(k) {
            None => Ok(Vec::new()),
            Some(Json::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, x)| Obj::of(self.address, format!("{}.{k}[{i}]", self.path), x))
                .collect(),
            Some(_) => Err(self.wrong(k, "a list")),
        }
    }

    fn obj(&self, k: &str) -> Result<Option<Obj<'a>>, CallError> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => Obj::of(self.address, format!("{}.{k}", self.path), v).map(Some),
        }
    }

    fn only(&self, allowed: &[&str]) -> Result<(), CallError> {
        for (k, v) in self.m {
            let said_nothing = v.is_null()
                || (EMPTY_OK.contains(&k.as_str()) && v.as_array().is_some_and(|a| a.is_empty()));
            if !allowed.contains(&k.as_str()) && !said_nothing {
                return Err(bad(
                    self.address,
                    &format!("{}.{k} is not registered by this driver", self.path),
                ));
            }
        }
        Ok(())
    }
}

fn container(address: &str, i: usize, v: &Json) -> Result<ContainerDefinition, CallError> {
    let c = Obj::of(address, format!("[{i}]"), v)?;
    c.only(CONTAINER_KEYS)?;
    let name = c.str("name")?.ok_or_else(|| c.wrong("name", "given"))?;
    let image = c.str("image")?.ok_or_else(|| c.wrong("image", "given"))?;
    let mut ports = Vec::new();
    for p in c.list("portMappings")? {
        p.only(&[
            "containerPort",
            "hostPort",
            "protocol",
            "name",
            "appProtocol",
            "containerPortRange",
        ])?;
        ports.push(
            PortMapping::builder()
                .set_container_port(p.int("containerPort")?)
                .set_host_port(p.int("hostPort")?)
                .set_protocol(
                    p.str("protocol")?
                        .map(|s| TransportProtocol::from(s.as_str())),
                )
                .set_name(p.str("name")?)
                .set_app_protocol(
                    p.str("appProtocol")?
                        .map(|s| ApplicationProtocol::from(s.as_str())),
                )
                .set_container_port_range(p.str("containerPortRange")?)
                .build(),
        );
    }
    let mut mounts = Vec::new();
    for m in c.list("mountPoints")? {
        m.only(&["sourceVolume", "containerPath", "readOnly"])?;
        mounts.push(
            MountPoint::builder()
                .set_source_volume(m.str("sourceVolume")?)
                .set_container_path(m.str("containerPath")?)
                .set_read_only(m.bool("readOnly")?)
                .build(),
        );
    }
    let mut environment = Vec::new();
    for e in c.list("environment")? {
        e.only(&["name", "value"])?;
        environment.push(
            KeyValuePair::builder()
                .set_name(e.str("name")?)
                .set_value(e.str("value")?)
                .build(),
        );
    }
    let mut secrets = Vec::new();
    for s in c.list("secrets")? {
        s.only(&["name", "valueFrom"])?;
        secrets.push(built(
            Secret::builder()
                .set_name(s.str("name")?)
                .set_value_from(s.str("valueFrom")?)
                .build(),
            "container secrets",
        )?);
    }
    let log = match c.obj("logConfiguration")? {
        None => None,
        Some(l) => {
            l.only(&["logDriver", "options"])?;
            let mut options = HashMap::new();
            if let Some(o) = l.obj("options")? {
                for (k, v) in o.m {
                    let v = v.as_str().ok_or_else(|| o.wrong(k, "a string"))?;
                    options.insert(k.clone(), v.to_string());
                }
            }
            Some(built(
                LogConfiguration::builder()
                    .set_log_driver(l.str("logDriver")?.map(|s| LogDriver::from(s.as_str())))
                    .set_options((!options.is_empty()).then_some(options))
                    .build(),
                "container logConfiguration",
            )?)
        }
    };
    let health = match c.obj("healthCheck")? {
        None => None,
        Some(h) => {
            h.only(&["command", "interval", "timeout", "retries", "startPeriod"])?;
            Some(built(
                HealthCheck::builder()
                    .set_command(h.strings("command")?)
                    .set_interval(h.int("interval")?)
                    .set_timeout(h.int("timeout")?)
                    .set_retries(h.int("retries")?)
                    .set_start_period(h.int("startPeriod")?)
                    .build(),
                "container healthCheck",
            )?)
        }
    };
    Ok(ContainerDefinition::builder()
        .name(name)
        .image(image)
        .set_cpu(c.int("cpu")?)
        .set_memory(c.int("memory")?)
        .set_memory_reservation(c.int("memoryReservation")?)
        .set_essential(c.bool("essential")?)
        .set_readonly_root_filesystem(c.bool("readonlyRootFilesystem")?)
        .set_privileged(c.bool("privileged")?)
        .set_user(c.str("user")?)
        .set_working_directory(c.str("workingDirectory")?)
        .set_command(c.strings("command")?)
        .set_entry_point(c.strings("entryPoint")?)
        .set_start_timeout(c.int("startTimeout")?)
        .set_stop_timeout(c.int("stopTimeout")?)
        .set_port_mappings((!ports.is_empty()).then_some(ports))
        .set_mount_points((!mounts.is_empty()).then_some(mounts))
        .set_environment((!environment.is_empty()).then_some(environment))
        .set_secrets((!secrets.is_empty()).then_some(secrets))
        .set_log_configuration(log)
        .set_health_check(health)
        .build())
}

fn containers(d: &Desired<'_>) -> Result<Vec<ContainerDefinition>, CallError> {
    let text = d.str("container_definitions")?;
    let doc: Json =
        serde_json::from_str(text).map_err(|e| bad(d.address, &format!("is not JSON: {e}")))?;
    let list = doc
        .as_array()
        .ok_or_else(|| bad(d.address, "must be a JSON list"))?;
    if list.is_empty() {
        return Err(bad(d.address, "must name at least one container"));
    }
    list.iter()
        .enumerate()
        .map(|(i, c)| container(d.address, i, c))
        .collect()
}

/// A container as compared: the keys this driver registers, with what AWS fills in when they
/// are left out (ports on the task's own address, essential, tcp, the health check's timings)
/// written out, so that a revision read back equals the definition that registered it.
fn shape(c: &ContainerDefinition) -> Json {
    let ports: Vec<Json> = c
        .port_mappings()
        .iter()
        .map(|p| {
            json!({
                "containerPort": p.container_port(),
                "hostPort": p.host_port().filter(|h| Some(*h) != p.container_port()),
                "protocol": p.protocol().map(|x| x.as_str()).unwrap_or("tcp"),
                "name": p.name(),
                "appProtocol": p.app_protocol().map(|x| x.as_str()),
                "containerPortRange": p.container_port_range(),
            })
        })
        .collect();
    let environment: BTreeMap<&str, &str> = c
        .environment()
        .iter()
        .map(|e| (e.name().unwrap_or(""), e.value().unwrap_or("")))
        .collect();
    let secrets: BTreeMap<&str, &str> = c
        .secrets()
        .iter()
        .map(|s| (s.name(), s.value_from()))
        .collect();
    let log = c.log_configuration().map(|l| {
        let options: BTreeMap<&String, &String> =
            l.options().map(|o| o.iter().collect()).unwrap_or_default();
        json!({ "logDriver": l.log_driver().as_str(), "options": options })
    });
    let health = c.health_check().map(|h| {
        json!({
            "command": h.command(),
            "interval": h.interval().unwrap_or(30),
            "timeout": h.timeout().unwrap_or(5),
            "retries": h.retries().unwrap_or(3),
            "startPeriod": h.start_period().unwrap_or(0),
        })
    });
    let mounts: Vec<Json> = c
        .mount_points()
        .iter()
        .map(|m| {
            json!({
                "sourceVolume": m.source_volume(),
                "containerPath": m.container_path(),
                "readOnly": m.read_only().unwrap_or(false),
            })
        })
        .collect();
    json!({
        "name": c.name(),
        "image": c.image(),
        "mountPoints": mounts,
        "cpu": c.cpu(),
        "memory": c.memory(),
        "memoryReservation": c.memory_reservation(),
        "essential": c.essential().unwrap_or(true),
        "readonlyRootFilesystem": c.readonly_root_filesystem().unwrap_or(false),
        "privileged": c.privileged().unwrap_or(false),
        "user": c.user(),
        "workingDirectory": c.working_directory(),
        "command": c.command(),
        "entryPoint": c.entry_point(),
        "portMappings": ports,
        "environment": environment,
        "secrets": secrets,
        "logConfiguration": log,
        "healthCheck": health,
        "startTimeout": c.start_timeout(),
        "stopTimeout": c.stop_timeout(),
    })
}

/// What a task definition registers: compared with the latest revision to decide whether a
/// new one is needed.
struct TaskSpec {
    family: String,
    containers: Vec<ContainerDefinition>,
    cpu: Option<String>,
    memory: Option<String>,
    network_mode: Option<String>,
    compatibilities: Vec<String>,
    execution_role_arn: Option<String>,
    task_role_arn: Option<String>,
    os_family: Option<String>,
    cpu_architecture: Option<String>,
    /// Task volumes by name: on Fargate, a volume with no host is task storage (a writable
    /// /tmp for a container whose root file system is read-only).
    volumes: Vec<String>,
}

impl TaskSpec {
    fn of(d: &Desired<'_>) -> Result<TaskSpec, CallError> {
        let platform = d.block("runtime_platform");
        let rp = |k: &str| platform.and_then(|b| b.string(k)).map(str::to_string);
        let compatibilities = sorted(d.strings("requires_compatibilities"));
        Ok(TaskSpec {
            family: d.str("family")?.to_string(),
            containers: containers(d)?,
            cpu: text(d, "cpu"),
            memory: text(d, "memory"),
            network_mode: d.opt_str("network_mode").map(str::to_string),
            compatibilities,
            execution_role_arn: d.opt_str("execution_role_arn").map(str::to_string),
            task_role_arn: d.opt_str("task_role_arn").map(str::to_string),
            os_family: rp("operating_system_family"),
            cpu_architecture: rp("cpu_architecture"),
            volumes: sorted(
                d.values
                    .blocks("volume")
                    .iter()
                    .filter_map(|v| v.string("name")),
            ),
        })
    }

    fn matches(&self, td: &TaskDefinition) -> bool {
        let compatibilities = sorted(td.requires_compatibilities().iter().map(|c| c.as_str()));
        let platform = td.runtime_platform();
        let current: Vec<Json> = td.container_definitions().iter().map(shape).collect();
        let wanted: Vec<Json> = self.containers.iter().map(shape).collect();
        td.cpu() == self.cpu.as_deref()
            && td.memory() == self.memory.as_deref()
            && lenient(
                self.network_mode.as_deref(),
                td.network_mode().map(|m| m.as_str()),
            )
            && compatibilities == self.compatibilities
            && td.execution_role_arn() == self.execution_role_arn.as_deref()
            && td.task_role_arn() == self.task_role_arn.as_deref()
            && lenient(
                self.os_family.as_deref(),
                platform
                    .and_then(|p| p.operating_system_family())
                    .map(|x| x.as_str()),
            )
            && lenient(
                self.cpu_architecture.as_deref(),
                platform
                    .and_then(|p| p.cpu_architecture())
                    .map(|x| x.as_str()),
            )
            && current == wanted
            && {
                let mut names: Vec<&str> = td.volumes().iter().filter_map(|v| v.name()).collect();
                names.sort();
                names == self.volumes.iter().map(String::as_str).collect::<Vec<_>>()
            }
    }

    fn runtime_platform(&self) -> Option<RuntimePlatform> {
        if self.os_family.is_none() && self.cpu_architecture.is_none() {
            return None;
        }
        Some(
            RuntimePlatform::builder()
                .set_operating_system_family(self.os_family.as_deref().map(OsFamily::from))
                .set_cpu_architecture(self.cpu_architecture.as_deref().map(CpuArchitecture::from))
                .build(),
        )
    }
}

fn task_attrs(t: &TaskDefinition) -> Attrs {
    let arn = t.task_definition_arn().unwrap_or("").to_string();
    let family = t.family().unwrap_or("").to_string();
    let unrevised = arn
        .rsplit_once(':')
        .map(|(a, _)| a.to_string())
        .unwrap_or_else(|| arn.clone());
    attrs([
        ("id", family.clone()),
        ("family", family),
        ("revision", t.revision().to_string()),
        ("arn_without_revision", unrevised),
        ("arn", arn),
    ])
}

// ---------------------------------------------------------------------------------------------
// Services.

/// What a service is configured with, in the shape its current state is compared in.
struct ServiceSpec {
    cluster: String,
    name: String,
    task_definition: String,
    desired_count: Option<i32>,
    launch_type: Option<String>,
    platform_version: Option<String>,
    propagate_tags: Option<String>,
    enable_execute_command: Option<bool>,
    grace_period: Option<i32>,
    /// Sorted subnets, sorted security groups, public address.
    network: Option<(Vec<String>, Vec<String>, bool)>,
    /// Sorted (target group, container, port).
    load_balancers: Vec<(String, String, i32)>,
    /// (enable, rollback)
    circuit_breaker: Option<(bool, bool)>,
    maximum_percent: Option<i32>,
    minimum_healthy_percent: Option<i32>,
}

impl ServiceSpec {
    fn of(d: &Desired<'_>) -> Result<ServiceSpec, CallError> {
        let network = d.block("network_configuration").map(|n| {
            let (subnets, groups) = (
                sorted(n.texts("subnets")),
                sorted(n.texts("security_groups")),
            );
            let public = n
                .get("assign_public_ip")
                .and_then(Json::as_bool)
                .unwrap_or(false);
            (subnets, groups, public)
        });
        let mut load_balancers = Vec::new();
        for lb in d
            .get("load_balancer")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_object)
        {
            let tg = lb.string("target_group_arn").ok_or_else(|| {
                CallError::bad_value(d.address, "load_balancer", "needs a target_group_arn")
            })?;
            let port = m_int(d.address, "load_balancer", lb, "container_port")?.unwrap_or(0);
            load_balancers.push((
                tg.to_string(),
                lb.string("container_name").unwrap_or("").to_string(),
                port,
            ));
        }
        load_balancers.sort();
        let circuit_breaker = d.block("deployment_circuit_breaker").map(|b| {
            (
                b.get("enable").and_then(Json::as_bool).unwrap_or(false),
                b.get("rollback").and_then(Json::as_bool).unwrap_or(false),
            )
        });
        Ok(ServiceSpec {
            cluster: d.str("cluster")?.to_string(),
            name: d.str("name")?.to_string(),
            task_definition: d.str("task_definition")?.to_string(),
            desired_count: d.int32("desired_count")?,
            launch_type: d.opt_str("launch_type").map(str::to_string),
            platform_version: d.opt_str("platform_version").map(str::to_string),
            propagate_tags: d.opt_str("propagate_tags").map(str::to_string),
            enable_execute_command: d.bool("enable_execute_command"),
            grace_period: d.int32("health_check_grace_period_seconds")?,
            network,
            load_balancers,
            circuit_breaker,
            maximum_percent: d.int32("deployment_maximum_percent")?,
            minimum_healthy_percent: d.int32("deployment_minimum_healthy_percent")?,
        })
    }

    fn network_configuration(&self) -> Result<Option<NetworkConfiguration>, CallError> {
        let Some((subnets, groups, public)) = &self.network else {
            return Ok(None);
        };
        let vpc = built(
            AwsVpcConfiguration::builder()
                .set_subnets(Some(subnets.clone()))
                .set_security_groups((!groups.is_empty()).then(|| groups.clone()))
                .assign_public_ip(if *public {
                    AssignPublicIp::Enabled
                } else {
                    AssignPublicIp::Disabled
                })
                .build(),
            "network_configuration",
        )?;
        Ok(Some(
            NetworkConfiguration::builder()
                .awsvpc_configuration(vpc)
                .build(),
        ))
    }

    fn lbs(&self) -> Vec<LoadBalancer> {
        self.load_balancers
            .iter()
            .map(|(tg, container, port)| {
                LoadBalancer::builder()
                    .target_group_arn(tg)
                    .set_container_name((!container.is_empty()).then(|| container.clone()))
                    .set_container_port((*port != 0).then_some(*port))
                    .build()
            })
            .collect()
    }

    fn deployment(&self) -> Option<DeploymentConfiguration> {
        if self.circuit_breaker.is_none()
            && self.maximum_percent.is_none()
            && self.minimum_healthy_percent.is_none()
        {
            return None;
        }
        Some(
            DeploymentConfiguration::builder()
                .set_deployment_circuit_breaker(self.circuit_breaker.map(|(enable, rollback)| {
                    DeploymentCircuitBreaker::builder()
                        .enable(enable)
                        .rollback(rollback)
                        .build()
                }))
                .set_maximum_percent(self.maximum_percent)
                .set_minimum_healthy_percent(self.minimum_healthy_percent)
                .build(),
        )
    }
}

fn current_network(s: &Service) -> Option<(Vec<String>, Vec<String>, bool)> {
    s.network_configuration()
        .and_then(|n| n.awsvpc_configuration())
        .map(|v| {
            (
                sorted(v.subnets()),
                sorted(v.security_groups()),
                v.assign_public_ip() == Some(&AssignPublicIp::Enabled),
            )
        })
}

fn current_lbs(s: &Service) -> Vec<(String, String, i32)> {
    let mut v: Vec<(String, String, i32)> = s
        .load_balancers()
        .iter()
        .map(|lb| {
            (
                lb.target_group_arn().unwrap_or("").to_string(),
                lb.container_name().unwrap_or("").to_string(),
                lb.container_port().unwrap_or(0),
            )
        })
        .collect();
    v.sort();
    v
}

/// What the state keeps of a service: what AWS assigned, plus the desired count this
/// configuration last asked for. Auto scaling moves the live count, so a plain difference from
/// the live count says nothing; a different configured count does.
fn service_attrs(s: &Service, desired_count: Option<i32>) -> Attrs {
    let arn = s.service_arn().unwrap_or("").to_string();
    let mut a = attrs([
        ("id", arn.clone()),
        ("arn", arn),
        ("name", s.service_name().unwrap_or("").to_string()),
        ("cluster", s.cluster_arn().unwrap_or("").to_string()),
    ]);
    if let Some(n) = desired_count {
        a.insert("desired_count".into(), n.to_string());
    }
    a
}

fn cluster_attrs(c: &Cluster) -> Attrs {
    let arn = c.cluster_arn().unwrap_or("").to_string();
    attrs([
        ("id", arn.clone()),
        ("arn", arn),
        ("name", c.cluster_name().unwrap_or("").to_string()),
    ])
}

fn cluster_settings(d: &Desired<'_>) -> Vec<ClusterSetting> {
    d.get("setting")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_object)
        .map(|s| {
            ClusterSetting::builder()
                .set_name(s.string("name").map(ClusterSettingName::from))
                .set_value(s.string("value").map(str::to_string))
                .build()
        })
        .collect()
}

super::sdk_tag!(Tag, infallible);
tags::tagging!(list Client, Tag, resource_arn;
    list_tags_for_resource "ListTagsForResource" => tags,
    tag_resource "TagResource" => set_tags,
    untag_resource "UntagResource" => set_tag_keys);

super::service_client!(Ecs, Client);
resources!(Ecs, {
    CLUSTER => EcsCluster,
    TASK_DEFINITION => EcsTaskDefinition,
    SERVICE => EcsService,
});

impl Ecs {
    // --- clusters ---

    /// The cluster, unless it is deleted: ECS (and moto, for ever) keeps describing a deleted
    /// cluster as INACTIVE.
    async fn cluster(&self, name_or_arn: &str) -> Result<Option<Cluster>, CallError> {
        let r = absent_ok(
            self.reads
                .describe_clusters()
                .clusters(name_or_arn)
                .include(ClusterField::Tags)
                .include(ClusterField::Settings)
                .send()
                .await
                .op("DescribeClusters"),
        )?;
        Ok(r.and_then(|r| r.clusters().first().cloned())
            .filter(|c| c.status() != Some("INACTIVE")))
    }

    // --- task definitions ---

    /// A revision with its tags, in whatever status it is (None: it does not exist, or was
    /// deleted).
    async fn task_definition(
        &self,
        arn: &str,
    ) -> Result<Option<(TaskDefinition, Vec<Tag>)>, CallError> {
        match self
            .reads
            .describe_task_definition()
            .task_definition(arn)
            .include(TaskDefinitionField::Tags)
            .send()
            .await
            .op("DescribeTaskDefinition")
        {
            Ok(r) => Ok(r.task_definition().cloned().map(|t| (t, r.tags().to_vec()))),
            Err(e) if no_task_definition(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The revisions of a family in one status, every page.
    async fn revisions(
        &self,
        family: &str,
        status: TaskDefinitionStatus,
    ) -> Result<Vec<String>, CallError> {
        let call = self
            .reads
            .list_task_definitions()
            .family_prefix(family)
            .status(status);
        let arns = pages::collect(
            call.sort(SortOrder::Desc).into_paginator().send(),
            "ListTaskDefinitions",
            |p| p.task_definition_arns(),
        );
        // A family prefix matches longer families too (`web` and `web-admin`).
        let mut arns = arns.await?;
        arns.retain(|a| family_of(a) == Some(family));
        Ok(arns)
    }

    /// The family's latest ACTIVE revision: the child. Newest first, so the first page holds it.
    async fn latest_revision(
        &self,
        family: &str,
    ) -> Result<Option<(TaskDefinition, Vec<Tag>)>, CallError> {
        let r = self
            .reads
            .list_task_definitions()
            .family_prefix(family)
            .status(TaskDefinitionStatus::Active)
            .sort(SortOrder::Desc)
            .send()
            .await
            .op("ListTaskDefinitions")?;
        let latest = r
            .task_definition_arns()
            .iter()
            .filter(|a| family_of(a) == Some(family))
            .max_by_key(|a| revision_of(a));
        match latest {
            None => Ok(None),
            Some(arn) => Ok(self
                .task_definition(arn)
                .await?
                .filter(|(t, _)| t.status() == Some(&TaskDefinitionStatus::Active))),
        }
    }

    async fn register(
        &self,
        spec: &TaskSpec,
        d: &Desired<'_>,
    ) -> Result<TaskDefinition, CallError> {
        let r = self
            .client
            .register_task_definition()
            .family(&spec.family)
            .set_container_definitions(Some(spec.containers.clone()))
            .set_cpu(spec.cpu.clone())
            .set_memory(spec.memory.clone())
            .set_network_mode(spec.network_mode.as_deref().map(NetworkMode::from))
            .set_requires_compatibilities((!spec.compatibilities.is_empty()).then(|| {
                spec.compatibilities
                    .iter()
                    .map(|c| Compatibility::from(c.as_str()))
                    .collect()
            }))
            .set_execution_role_arn(spec.execution_role_arn.clone())
            .set_task_role_arn(spec.task_role_arn.clone())
            .set_runtime_platform(spec.runtime_platform())
            .set_volumes((!spec.volumes.is_empty()).then(|| {
                spec.volumes
                    .iter()
                    .map(|n| Volume::builder().name(n).build())
                    .collect()
            }))
            .set_tags(Some(tags::sdk(&d.tags())?))
            .send()
            .await
            .op("RegisterTaskDefinition")?;
        r.task_definition()
            .cloned()
            .ok_or_else(|| empty_answer("RegisterTaskDefinition", &spec.family))
    }

    async fn ensure_task_definition(&self, d: &Desired<'_>) -> Ensured {
        let spec = TaskSpec::of(d)?;
        let td = match self.latest_revision(&spec.family).await? {
            // Only the tags differ: they change on the revision itself.
            Some((td, current)) if spec.matches(&td) => {
                let arn = td.task_definition_arn().unwrap_or("");
                tags::sync_from(&self.client, arn, &tags::read(&current), &d.tags()).await?;
                td
            }
            // Earlier revisions stay ACTIVE: the service runs on one until it moves to the new
            // one, and a circuit-breaker rollback goes back to it.
            _ => self.register(&spec, d).await?,
        };
        Ok(task_attrs(&td))
    }

    async fn delete_task_definition(&self, a: &Attrs) -> Result<(), CallError> {
        let family = match a.get("family") {
            Some(f) => f.clone(),
            None => family_of(attr(a, "arn")?).unwrap_or("").to_string(),
        };
        if family.is_empty() {
            return Err(CallError::new(
                "state",
                "MissingAttribute",
                "the state holds no task definition family",
                ErrorClass::Permanent,
            ));
        }
        for arn in self
            .revisions(&family, TaskDefinitionStatus::Active)
            .await?
        {
            match self
                .client
                .deregister_task_definition()
                .task_definition(&arn)
                .send()
                .await
                .op("DeregisterTaskDefinition")
            {
                Ok(_) => {}
                Err(e) if no_task_definition(&e) => {}
                Err(e) => return Err(e),
            }
        }
        // Deregistered revisions stay listed as INACTIVE for ever unless deleted. Deleting is
        // housekeeping: the family is already unusable, so only a retryable failure stops here.
        let inactive = self
            .revisions(&family, TaskDefinitionStatus::Inactive)
            .await?;
        for chunk in inactive.chunks(10) {
            match self
                .client
                .delete_task_definitions()
                .set_task_definitions(Some(chunk.to_vec()))
                .send()
                .await
                .op("DeleteTaskDefinitions")
            {
                Ok(r) => {
                    for f in r.failures() {
                        tracing::warn!(
                            arn = f.arn().unwrap_or(""),
                            reason = f.reason().unwrap_or(""),
                            "task definition revision deregistered but not deleted"
                        );
                    }
                }
                Err(e) if e.class == ErrorClass::Transient => return Err(e),
                Err(e) => {
                    tracing::warn!(
                        error = %e,
                        family = family.as_str(),
                        "task definition revisions deregistered but not deleted"
                    );
                }
            }
        }
        Ok(())
    }

    // --- services ---

    /// The service of that name in the cluster, in whatever status (ACTIVE, DRAINING while it is
    /// deleted, INACTIVE once gone; moto keeps INACTIVE ones for ever).
    async fn service(&self, cluster: &str, name: &str) -> Result<Option<Service>, CallError> {
        let r = absent_ok(
            self.reads
                .describe_services()
                .cluster(cluster)
                .services(name)
                .include(ServiceField::Tags)
                .send()
                .await
                .op("DescribeServices"),
        )?;
        Ok(r.and_then(|r| {
            r.services()
                .iter()
                .find(|s| s.service_name() == Some(name) || s.service_arn() == Some(name))
                .cloned()
        }))
    }

    async fn wait_inactive(&self, cluster: &str, name: &str) -> Result<(), CallError> {
        until_gone(name, DRAINED_WITHIN, || async {
            let s = self.service(cluster, name).await?;
            Ok(s.is_some_and(|s| s.status() != Some("INACTIVE")))
        })
        .await
    }

    async fn create_service(&self, spec: &ServiceSpec, d: &Desired<'_>) -> Result<(), CallError> {
        let lbs = spec.lbs();
        self.client
            .create_service()
            .cluster(&spec.cluster)
            .service_name(&spec.name)
            .task_definition(&spec.task_definition)
            .set_desired_count(spec.desired_count)
            .set_launch_type(spec.launch_type.as_deref().map(LaunchType::from))
            .set_platform_version(spec.platform_version.clone())
            .set_propagate_tags(spec.propagate_tags.as_deref().map(PropagateTags::from))
            .set_enable_execute_command(spec.enable_execute_command)
            .set_health_check_grace_period_seconds(spec.grace_period)
            .set_network_configuration(spec.network_configuration()?)
            .set_load_balancers((!lbs.is_empty()).then_some(lbs))
            .set_deployment_configuration(spec.deployment())
            .set_tags(Some(tags::sdk(&d.tags())?))
            .send()
            .await
            .op("CreateService")
            .map_err(settling)?;
        Ok(())
    }

    /// Applies the arguments that change in place (see `kinds`) where they differ, in one call.
    /// The desired count is set only when the configuration changed it (`prior_count`: what it
    /// said at the last apply), never to undo what auto scaling decided.
    async fn update_service(
        &self,
        spec: &ServiceSpec,
        s: &Service,
        prior_count: Option<i32>,
    ) -> Result<(), CallError> {
        let dc = s.deployment_configuration();
        let breaker = dc
            .and_then(|c| c.deployment_circuit_breaker())
            .map(|b| (b.enable(), b.rollback()));
        let deployment_differs = (spec.circuit_breaker.is_some()
            && breaker != spec.circuit_breaker)
            || (spec.maximum_percent.is_some()
                && dc.and_then(|c| c.maximum_percent()) != spec.maximum_percent)
            || (spec.minimum_healthy_percent.is_some()
                && dc.and_then(|c| c.minimum_healthy_percent()) != spec.minimum_healthy_percent);
        let count = spec
            .desired_count
            .filter(|n| prior_count.is_some_and(|p| p != *n));
        let network_differs = spec.network.is_some() && current_network(s) != spec.network;
        let network = match network_differs {
            true => spec.network_configuration()?,
            false => None,
        };
        let u = self.client.update_service().cluster(&spec.cluster);
        let u = Modify::new(u.service(&spec.name))
            .set(
                Some(spec.task_definition.as_str()),
                s.task_definition(),
                |u, v| u.task_definition(v),
            )
            .with(count, |u, n| u.desired_count(n))
            .with(network, |u, n| u.network_configuration(n))
            .when(current_lbs(s) != spec.load_balancers, |u| {
                u.set_load_balancers(Some(spec.lbs()))
            })
            .when(deployment_differs, |u| {
                u.set_deployment_configuration(spec.deployment())
            })
            .set(
                spec.propagate_tags.as_deref(),
                s.propagate_tags().map(|x| x.as_str()),
                |u, v| u.propagate_tags(PropagateTags::from(v)),
            )
            .set(
                spec.enable_execute_command,
                Some(s.enable_execute_command()),
                |u, v| u.enable_execute_command(v),
            )
            .set(
                spec.grace_period,
                s.health_check_grace_period_seconds(),
                |u, v| u.health_check_grace_period_seconds(v),
            )
            .set(
                spec.platform_version.as_deref(),
                s.platform_version(),
                |u, v| u.platform_version(v),
            );
        if let Some(u) = u.call() {
            u.send().await.op("UpdateService").map_err(settling)?;
        }
        Ok(())
    }

    async fn ensure_service(&self, d: &Desired<'_>, existing: Option<&Attrs>) -> Ensured {
        let spec = ServiceSpec::of(d)?;
        let (cluster, name) = (spec.cluster.as_str(), spec.name.as_str());
        let mut current = self.service(cluster, name).await?;
        if current
            .as_ref()
            .is_some_and(|s| s.status() == Some("DRAINING"))
        {
            // A service of this name is still being deleted: a new one can only follow it.
            self.wait_inactive(cluster, name).await?;
            current = None;
        }
        match current.filter(|s| s.status() == Some("ACTIVE")) {
            Some(s) => {
                let prior = existing
                    .and_then(|a| a.get("desired_count"))
                    .and_then(|n| n.parse().ok());
                self.update_service(&spec, &s, prior).await?;
                let (arn, current) = (s.service_arn().unwrap_or(""), tags::read(s.tags()));
                tags::sync_from(&self.client, arn, &current, &d.tags()).await?;
            }
            None => self.create_service(&spec, d).await?,
        }
        let what = format!("service {name}");
        for_states(
            "DescribeServices",
            &what,
            ACTIVE_WITHIN,
            &SERVICE_STATES,
            Absent::Pending,
            || async {
                Ok(self
                    .service(cluster, name)
                    .await?
                    .and_then(|s| s.status().map(str::to_string)))
            },
        )
        .await?;
        // ACTIVE says nothing of the tasks: an image that never turns healthy leaves the
        // service ACTIVE for ever. The apply is done when the deployment is.
        wait_until(name, ROLLED_OUT_WITHIN, || async {
            match self.service(cluster, name).await? {
                Some(s) => rolled_out(name, &s),
                None => Ok(false),
            }
        })
        .await?;
        let s = self
            .service(cluster, name)
            .await?
            .ok_or_else(|| not_visible("DescribeServices", name))?;
        Ok(service_attrs(&s, spec.desired_count))
    }

    async fn delete_service(&self, a: &Attrs) -> Result<(), CallError> {
        let (cluster, name) = (attr(a, "cluster")?, attr(a, "name")?);
        let Some(s) = self.service(cluster, name).await? else {
            return Ok(());
        };
        if s.status() == Some("ACTIVE") {
            // Scaled to zero first, so that the tasks stop before the service is removed.
            if s.desired_count() > 0 {
                gone_ok(
                    self.client
                        .update_service()
                        .cluster(cluster)
                        .service(name)
                        .desired_count(0)
                        .send()
                        .await
                        .op("UpdateService")
                        .map_err(settling),
                )?;
            }
            gone_ok(
                self.client
                    .delete_service()
                    .cluster(cluster)
                    .service(name)
                    .force(true)
                    .send()
                    .await
                    .op("DeleteService")
                    .map_err(settling),
            )?;
        }
        // The target group and the cluster can go only once the tasks have drained.
        self.wait_inactive(cluster, name).await
    }
}

impl Resource for EcsCluster<'_> {
    const KEYS: &'static [&'static str] = &["tags", "setting"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        Ok(self
            .cluster(d.str("name")?)
            .await?
            .as_ref()
            .map(cluster_attrs))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        let (name, settings) = (d.str("name")?, cluster_settings(d));
        let r = self
            .client
            .create_cluster()
            .cluster_name(name)
            .set_settings((!settings.is_empty()).then_some(settings))
            .set_tags(Some(tags::sdk(&d.tags())?))
            .send()
            .await
            .op("CreateCluster")?;
        let c = r
            .cluster()
            .ok_or_else(|| empty_answer("CreateCluster", name))?;
        Ok(cluster_attrs(c))
    }

    async fn ready(&self, d: &Desired<'_>, _a: &Attrs) -> Result<(), CallError> {
        let name = d.str("name")?;
        let status = || async {
            Ok(self
                .cluster(name)
                .await?
                .and_then(|c| c.status().map(str::to_string)))
        };
        let what = format!("cluster {name}");
        for_states(
            "DescribeClusters",
            &what,
            ACTIVE_WITHIN,
            &CLUSTER_STATES,
            Absent::Pending,
            status,
        )
        .await
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let Some(c) = self.cluster(attr(a, "arn")?).await? else {
            return Ok(None);
        };
        let settings = c.settings().iter();
        let settings =
            settings.map(|s| json!({ "name": s.name().map(|n| n.as_str()), "value": s.value() }));
        Ok(Some(observed([
            ("tags", tag_map(tags::read(c.tags()))),
            ("setting", Json::Array(settings.collect())),
        ])))
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        let arn = attr(a, "arn")?;
        if changed.contains(&"setting") {
            let r = self.client.update_cluster().cluster(arn);
            let r = r.set_settings(Some(cluster_settings(d)));
            r.send().await.op("UpdateCluster").map_err(settling)?;
        }
        if changed.contains(&"tags") {
            tags::sync(&self.reads, &self.client, arn, &d.tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let arn = attr(a, "arn")?;
        let r = self.client.delete_cluster().cluster(arn).send().await;
        absent_ok(r.op("DeleteCluster").map_err(settling))?;
        let exists = || async { Ok(self.cluster(arn).await?.is_some()) };
        until_gone(arn, ACTIVE_WITHIN, exists).await
    }
}

/// A change is a new revision (`ensure_task_definition`); only tags change on a revision.
impl Resource for EcsTaskDefinition<'_> {
    const KEYS: &'static [&'static str] = &["tags", "cpu", "memory"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let latest = self.latest_revision(d.str("family")?).await?;
        Ok(latest.map(|(t, _)| task_attrs(&t)))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        Ok(task_attrs(&self.register(&TaskSpec::of(d)?, d).await?))
    }

    async fn ensure(&self, d: &Desired<'_>, _existing: Option<&Attrs>) -> Ensured {
        self.ensure_task_definition(d).await
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let Some((t, tags)) = self.task_definition(attr(a, "arn")?).await? else {
            return Ok(None);
        };
        // A deregistered revision is gone for the environment, though ECS still describes it.
        if t.status() != Some(&TaskDefinitionStatus::Active) {
            return Ok(None);
        }
        Ok(Some(observed([
            ("tags", tag_map(tags::read(&tags))),
            ("cpu", t.cpu().map(Json::from).unwrap_or(Json::Null)),
            ("memory", t.memory().map(Json::from).unwrap_or(Json::Null)),
        ])))
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        self.delete_task_definition(a).await
    }
}

/// Its own `ensure` (`ensure_service`): the desired count is compared with what the state
/// recorded, which only `existing` carries, and the apply waits for the rollout.
impl Resource for EcsService<'_> {
    const KEYS: &'static [&'static str] = &["tags", "task_definition"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let count = d.int32("desired_count")?;
        let s = self.service(d.str("cluster")?, d.str("name")?).await?;
        let active = s.filter(|s| s.status() == Some("ACTIVE"));
        Ok(active.map(|s| service_attrs(&s, count)))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        self.ensure_service(d, None).await
    }

    async fn ensure(&self, d: &Desired<'_>, existing: Option<&Attrs>) -> Ensured {
        self.ensure_service(d, existing).await
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let s = self.service(attr(a, "cluster")?, attr(a, "name")?).await?;
        let Some(s) = s.filter(|s| s.status() == Some("ACTIVE")) else {
            return Ok(None);
        };
        let task = s.task_definition().map(Json::from).unwrap_or(Json::Null);
        Ok(Some(observed([
            ("tags", tag_map(tags::read(s.tags()))),
            ("task_definition", task),
        ])))
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        self.delete_service(a).await
    }
}

#[cfg(test)]
mod rollout_tests {
    use super::*;
    use aws_sdk_ecs::types::{Deployment, DeploymentRolloutState, ServiceEvent};

    fn service(state: Option<DeploymentRolloutState>) -> Service {
        Service::builder()
            .deployments(
                Deployment::builder()
                    .status("PRIMARY")
                    .id("ecs-svc/1")
                    .set_rollout_state(state)
                    .rollout_state_reason("tasks failed their health checks")
                    .desired_count(2)
                    .running_count(0)
                    .build(),
            )
            .events(
                ServiceEvent::builder()
                    .message("(service app) task stopped: unhealthy in target group")
                    .build(),
            )
            .build()
    }

    #[test]
    fn an_apply_is_done_when_the_deployment_is_and_fails_with_its_reason() {
        assert_eq!(
            rolled_out("app", &service(Some(DeploymentRolloutState::Completed))),
            Ok(true)
        );
        assert_eq!(
            rolled_out("app", &service(Some(DeploymentRolloutState::InProgress))),
            Ok(false),
            "ACTIVE with tasks not yet healthy is not done"
        );
        let e = rolled_out("app", &service(Some(DeploymentRolloutState::Failed))).unwrap_err();
        assert_eq!(e.class, ErrorClass::Permanent);
        assert!(
            e.message.contains("failed their health checks"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("unhealthy in target group"),
            "{}",
            e.message
        );
        assert_eq!(
            rolled_out("app", &service(None)),
            Ok(false),
            "0 of 2 running"
        );
    }
}
