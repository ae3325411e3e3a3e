//! WAFv2: the two web ACLs (CLOUDFRONT and REGIONAL scope, found by name within their scope),
//! the REGIONAL ACL's association with the ALB or the API stage (found through the resource),
//! and each ACL's logging to its CloudWatch log group (found through the ACL).
//!
//! CLOUDFRONT-scope calls go to us-east-1 whatever the provider's region, so the driver holds
//! a second pair of clients for them and picks a pair by scope (from the ACL's ARN once known).

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_wafv2::types::{
    AllowAction, BlockAction, CaptchaAction, ChallengeAction, CountAction, DefaultAction,
    LoggingConfiguration, ManagedRuleGroupStatement, NoneAction, OverrideAction,
    RateBasedStatement, RateBasedStatementAggregateKeyType, Rule, RuleAction, RuleActionOverride,
    Scope, Statement, Tag, VisibilityConfig, WebAcl, WebAclSummary,
};
use aws_sdk_wafv2::Client;
use serde_json::{json, Map, Value as Json};

use super::not_visible;
use super::{
    absent_ok, attr, attrs, built, codes, observed, tag_map, until_gone, while_busy, Call,
};
use crate::apply::driver::{
    Attrs, CallError, Desired, Ensured, ErrorClass, Fields, Found, Observed,
};
use crate::apply::resource::{resources, Resource};
use crate::apply::tags::{self, Tagging};

const ACL: &str = "aws_wafv2_web_acl";
const ASSOCIATION: &str = "aws_wafv2_web_acl_association";
const LOGGING: &str = "aws_wafv2_web_acl_logging_configuration";

resources!(Wafv2, {
    ACL => Wafv2WebAcl,
    ASSOCIATION => Wafv2WebAclAssociation,
    LOGGING => Wafv2WebAclLoggingConfiguration,
});

/// WAF names its errors its own way: without this, a missing ACL would stop the apply instead
/// of counting as absent, and a lock conflict or a resource WAF cannot see yet (a fresh ALB,
/// a distribution still letting go of its ACL) would fail instead of being retried.
fn waf(mut e: CallError) -> CallError {
    match e.code.as_str() {
        "WAFNonexistentItemException" => e.class = ErrorClass::NotFound,
        "WAFOptimisticLockException"
        | "WAFUnavailableEntityException"
        | "WAFAssociatedItemException"
        | "WAFInternalErrorException"
        | "WAFTagOperationInternalErrorException"
        // A create whose answer was lost: the retry looks the ACL up again and adopts it.
        | "WAFDuplicateItemException"
        | "WafV2DuplicateItem" => e.class = ErrorClass::Transient,
        _ => {}
    }
    e
}

/// An ACL's scope from its ARN (`arn:aws:wafv2:us-east-1:acct:global/webacl/name/id` for
/// CLOUDFRONT, `...:regional/webacl/...` otherwise).
fn arn_scope(arn: &str) -> Scope {
    match arn.splitn(6, ':').nth(5) {
        Some(r) if r.starts_with("global/") => Scope::Cloudfront,
        _ => Scope::Regional,
    }
}

fn desired_scope(d: &Desired<'_>) -> Result<Scope, CallError> {
    match d.str("scope")? {
        "CLOUDFRONT" => Ok(Scope::Cloudfront),
        "REGIONAL" => Ok(Scope::Regional),
        _ => Err(CallError::bad_value(
            d.address,
            "scope",
            "must be CLOUDFRONT or REGIONAL",
        )),
    }
}

super::sdk_tag!(Tag, fallible);

/// Web ACLs of either scope: the tags sit in `tag_info_for_resource`, in pages.
impl Tagging for Client {
    async fn read_tags(&self, arn: &str) -> Result<BTreeMap<String, String>, CallError> {
        let mut out = BTreeMap::new();
        let mut marker: Option<String> = None;
        loop {
            let call = self.list_tags_for_resource().resource_arn(arn).limit(100);
            let r = call.set_next_marker(marker.clone()).send().await;
            let r = r.op("ListTagsForResource").map_err(waf)?;
            let page = r
                .tag_info_for_resource()
                .map(|t| t.tag_list())
                .unwrap_or_default();
            out.extend(tags::read(page));
            match r.next_marker() {
                Some(m) if !m.is_empty() && !page.is_empty() && marker.as_deref() != Some(m) => {
                    marker = Some(m.to_string())
                }
                _ => return Ok(out),
            }
        }
    }
    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), CallError> {
        let r = self
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys));
        r.send().await.op("UntagResource").map_err(waf).map(drop)
    }
    async fn tag(&self, arn: &str, tags: Vec<(String, String)>) -> Result<(), CallError> {
        let r = self
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags::sdk(&tags)?));
        r.send().await.op("TagResource").map_err(waf).map(drop)
    }
}

// --- The topology's hashicorp/aws blocks (lists of one object) as SDK shapes.

/// `action { block {} }` and its siblings; custom responses and headers are not used here.
fn rule_action(address: &str, key: &str, m: &Map<String, Json>) -> Result<RuleAction, CallError> {
    let b = RuleAction::builder();
    let b = if m.first("block").is_some() {
        b.block(BlockAction::builder().build())
    } else if m.first("allow").is_some() {
        b.allow(AllowAction::builder().build())
    } else if m.first("count").is_some() {
        b.count(CountAction::builder().build())
    } else if m.first("captcha").is_some() {
        b.captcha(CaptchaAction::builder().build())
    } else if m.first("challenge").is_some() {
        b.challenge(ChallengeAction::builder().build())
    } else {
        return Err(CallError::bad_value(
            address,
            key,
            "names no action (allow, block, count, captcha or challenge)",
        ));
    };
    Ok(b.build())
}

fn visibility(
    address: &str,
    key: &str,
    m: Option<&Map<String, Json>>,
) -> Result<VisibilityConfig, CallError> {
    let m = m.ok_or_else(|| CallError::bad_value(address, key, "is missing"))?;
    let metric = m
        .text("metric_name")
        .ok_or_else(|| CallError::bad_value(address, key, "has no metric_name"))?;
    built(
        VisibilityConfig::builder()
            .cloud_watch_metrics_enabled(m.flag("cloudwatch_metrics_enabled").unwrap_or(false))
            .sampled_requests_enabled(m.flag("sampled_requests_enabled").unwrap_or(false))
            .metric_name(metric)
            .build(),
        key,
    )
}

/// The two statements the topology uses: a managed rule group and a rate limit.
fn statement(address: &str, key: &str, m: &Map<String, Json>) -> Result<Statement, CallError> {
    if let Some(g) = m.first("managed_rule_group_statement") {
        let name = g
            .text("name")
            .ok_or_else(|| CallError::bad_value(address, key, "names no managed group"))?;
        let vendor = g
            .text("vendor_name")
            .ok_or_else(|| CallError::bad_value(address, key, "names no vendor_name"))?;
        let mut b = ManagedRuleGroupStatement::builder()
            .name(name)
            .vendor_name(vendor)
            .set_version(g.owned("version"));
        for o in g.blocks("rule_action_override") {
            let rule = o.text("name").ok_or_else(|| {
                CallError::bad_value(address, key, "has a rule_action_override without name")
            })?;
            let action = o.first("action_to_use").ok_or_else(|| {
                CallError::bad_value(address, key, "has a rule_action_override without action")
            })?;
            b = b.rule_action_overrides(built(
                RuleActionOverride::builder()
                    .name(rule)
                    .action_to_use(rule_action(address, key, action)?)
                    .build(),
                "rule_action_override",
            )?);
        }
        return Ok(Statement::builder()
            .managed_rule_group_statement(built(b.build(), "managed_rule_group_statement")?)
            .build());
    }
    if let Some(r) = m.first("rate_based_statement") {
        let limit = r.int("limit").ok_or_else(|| {
            CallError::bad_value(address, key, "has a rate limit that is not a number")
        })?;
        let mut b = RateBasedStatement::builder()
            .limit(limit)
            .aggregate_key_type(RateBasedStatementAggregateKeyType::from(
                r.text("aggregate_key_type").unwrap_or("IP"),
            ));
        if let Some(w) = r.int("evaluation_window_sec") {
            b = b.evaluation_window_sec(w);
        }
        return Ok(Statement::builder()
            .rate_based_statement(built(b.build(), "rate_based_statement")?)
            .build());
    }
    Err(CallError::bad_value(
        address,
        key,
        "is neither a managed_rule_group_statement nor a rate_based_statement",
    ))
}

fn rule(address: &str, i: usize, m: &Map<String, Json>) -> Result<Rule, CallError> {
    let key = format!("rule[{i}]");
    let name = m
        .text("name")
        .ok_or_else(|| CallError::bad_value(address, &key, "has no name"))?;
    let priority = m
        .int("priority")
        .and_then(|p| i32::try_from(p).ok())
        .ok_or_else(|| CallError::bad_value(address, &key, "has no valid priority"))?;
    let s = m
        .first("statement")
        .ok_or_else(|| CallError::bad_value(address, &key, "has no statement"))?;
    let mut b = Rule::builder()
        .name(name)
        .priority(priority)
        .statement(statement(address, &format!("{key}.statement"), s)?)
        .visibility_config(visibility(
            address,
            &format!("{key}.visibility_config"),
            m.first("visibility_config"),
        )?);
    if let Some(a) = m.first("action") {
        b = b.action(rule_action(address, &format!("{key}.action"), a)?);
    }
    if let Some(o) = m.first("override_action") {
        let ob = OverrideAction::builder();
        let ob = if o.first("count").is_some() {
            ob.count(CountAction::builder().build())
        } else if o.first("none").is_some() {
            ob.none(NoneAction::builder().build())
        } else {
            return Err(CallError::bad_value(
                address,
                &format!("{key}.override_action"),
                "is neither none nor count",
            ));
        };
        b = b.override_action(ob.build());
    }
    built(b.build(), "rule")
}

fn default_action(d: &Desired<'_>) -> Result<DefaultAction, CallError> {
    let m = d
        .block("default_action")
        .ok_or_else(|| CallError::bad_value(d.address, "default_action", "is missing"))?;
    let b = DefaultAction::builder();
    let b = if m.first("block").is_some() {
        b.block(BlockAction::builder().build())
    } else if m.first("allow").is_some() {
        b.allow(AllowAction::builder().build())
    } else {
        return Err(CallError::bad_value(
            d.address,
            "default_action",
            "is neither allow nor block",
        ));
    };
    Ok(b.build())
}

/// Everything UpdateWebACL replaces, from the child's values.
struct AclSpec {
    default: DefaultAction,
    rules: Vec<Rule>,
    visibility: VisibilityConfig,
    description: Option<String>,
}

impl AclSpec {
    fn of(d: &Desired<'_>) -> Result<AclSpec, CallError> {
        let rules = d
            .get("rule")
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(Json::as_object).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, m)| rule(d.address, i, m))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AclSpec {
            default: default_action(d)?,
            rules,
            visibility: visibility(d.address, "visibility_config", d.block("visibility_config"))?,
            description: d
                .opt_str("description")
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        })
    }

    /// True when the ACL AWS holds differs from this in anything the topology sets. Rules are
    /// compared by what they mean, not field by field: AWS fills in defaults we leave out
    /// (the 300 s evaluation window), which would otherwise update the ACL on every apply.
    fn differs(&self, acl: &WebAcl) -> bool {
        rules_print(acl.rules()) != rules_print(&self.rules)
            || default_kind(acl.default_action()) != default_kind(Some(&self.default))
            || acl.visibility_config() != Some(&self.visibility)
            || acl.description().filter(|s| !s.is_empty()) != self.description.as_deref()
    }
}

// --- Comparison of rule sets by meaning.

fn action_kind(a: Option<&RuleAction>) -> &'static str {
    match a {
        None => "-",
        Some(a) if a.block().is_some() => "block",
        Some(a) if a.allow().is_some() => "allow",
        Some(a) if a.count().is_some() => "count",
        Some(a) if a.captcha().is_some() => "captcha",
        Some(a) if a.challenge().is_some() => "challenge",
        Some(_) => "other",
    }
}

fn override_kind(o: Option<&OverrideAction>) -> &'static str {
    match o {
        None => "-",
        Some(o) if o.none().is_some() => "none",
        Some(o) if o.count().is_some() => "count",
        Some(_) => "other",
    }
}

fn default_kind(a: Option<&DefaultAction>) -> Option<&'static str> {
    match a {
        Some(a) if a.allow().is_some() => Some("allow"),
        Some(a) if a.block().is_some() => Some("block"),
        _ => None,
    }
}

fn statement_print(s: Option<&Statement>) -> String {
    let Some(s) = s else {
        return "-".into();
    };
    if let Some(g) = s.managed_rule_group_statement() {
        let mut overrides: Vec<String> = g
            .rule_action_overrides()
            .iter()
            .map(|o| format!("{}={}", o.name(), action_kind(o.action_to_use())))
            .collect();
        overrides.sort();
        format!(
            "managed:{}:{}:{}:{}",
            g.vendor_name(),
            g.name(),
            g.version().unwrap_or(""),
            overrides.join(",")
        )
    } else if let Some(r) = s.rate_based_statement() {
        let window = match r.evaluation_window_sec() {
            0 => 300,
            w => w,
        };
        format!(
            "rate:{}:{}:{}",
            r.limit(),
            r.aggregate_key_type().as_str(),
            window
        )
    } else {
        format!("{s:?}")
    }
}

fn rules_print(rules: &[Rule]) -> Vec<(i32, String)> {
    let mut out: Vec<(i32, String)> = rules
        .iter()
        .map(|r| {
            let v = r
                .visibility_config()
                .map(|v| {
                    format!(
                        "{}:{}:{}",
                        v.metric_name(),
                        v.cloud_watch_metrics_enabled(),
                        v.sampled_requests_enabled()
                    )
                })
                .unwrap_or_default();
            (
                r.priority(),
                format!(
                    "{}|{}|{}|{}|{}",
                    r.name(),
                    action_kind(r.action()),
                    override_kind(r.override_action()),
                    statement_print(r.statement()),
                    v
                ),
            )
        })
        .collect();
    out.sort();
    out
}

/// The shape of `default_action` in the topology: `[{"allow": [{}]}]`.
fn default_action_json(kind: &str) -> Json {
    let mut m = Map::new();
    m.insert(
        kind.to_string(),
        Json::Array(vec![Json::Object(Map::new())]),
    );
    Json::Array(vec![Json::Object(m)])
}

pub struct Wafv2 {
    client: Client,
    reads: Client,
    global: Client,
    global_reads: Client,
}

impl Wafv2 {
    /// `client`/`reads` in the provider's region (REGIONAL scope, associations); `global` and
    /// `global_reads` in us-east-1 (CLOUDFRONT scope and that ACL's logging and tags).
    pub fn new(client: Client, reads: Client, global: Client, global_reads: Client) -> Wafv2 {
        Wafv2 {
            client,
            reads,
            global,
            global_reads,
        }
    }

    fn writer(&self, scope: &Scope) -> &Client {
        match scope {
            Scope::Cloudfront => &self.global,
            _ => &self.client,
        }
    }

    fn reader(&self, scope: &Scope) -> &Client {
        match scope {
            Scope::Cloudfront => &self.global_reads,
            _ => &self.reads,
        }
    }

    // --- Web ACLs.

    async fn summary(&self, scope: &Scope, name: &str) -> Result<Option<WebAclSummary>, CallError> {
        let mut marker: Option<String> = None;
        loop {
            let r = self
                .reader(scope)
                .list_web_acls()
                .scope(scope.clone())
                .limit(100)
                .set_next_marker(marker.clone())
                .send()
                .await
                .op("ListWebACLs")
                .map_err(waf)?;
            if let Some(s) = r.web_acls().iter().find(|s| s.name() == Some(name)) {
                return Ok(Some(s.clone()));
            }
            // WAF may hand back a marker with the last page: stop on an empty or repeated one.
            match r.next_marker() {
                Some(m)
                    if !m.is_empty()
                        && !r.web_acls().is_empty()
                        && marker.as_deref() != Some(m) =>
                {
                    marker = Some(m.to_string())
                }
                _ => return Ok(None),
            }
        }
    }

    /// The ACL and the lock token that any change or delete of it must quote.
    async fn acl(
        &self,
        scope: &Scope,
        name: &str,
        id: &str,
    ) -> Result<Option<(WebAcl, String)>, CallError> {
        let r = absent_ok(
            self.reader(scope)
                .get_web_acl()
                .name(name)
                .scope(scope.clone())
                .id(id)
                .send()
                .await
                .op("GetWebACL")
                .map_err(waf),
        )?;
        Ok(r.and_then(|r| {
            let token = r.lock_token().unwrap_or("").to_string();
            r.web_acl().cloned().map(|a| (a, token))
        }))
    }

    fn acl_attrs(s: &WebAclSummary) -> Option<Attrs> {
        Some(attrs([
            ("id", s.id()?.to_string()),
            ("arn", s.arn()?.to_string()),
            ("name", s.name()?.to_string()),
        ]))
    }

    async fn create_acl(&self, d: &Desired<'_>) -> Ensured {
        let (scope, name, spec, tags) =
            (desired_scope(d)?, d.str("name")?, AclSpec::of(d)?, d.tags());
        let mut create = self
            .writer(&scope)
            .create_web_acl()
            .name(name)
            .scope(scope.clone())
            .default_action(spec.default)
            .set_rules(Some(spec.rules))
            .visibility_config(spec.visibility)
            .set_description(spec.description);
        if !tags.is_empty() {
            create = create.set_tags(Some(tags::sdk(&tags)?));
        }
        let r = create.send().await.op("CreateWebACL").map_err(waf)?;
        match r.summary().and_then(Self::acl_attrs) {
            Some(a) => Ok(a),
            None => {
                let found = self.summary(&scope, name).await?;
                found
                    .as_ref()
                    .and_then(Self::acl_attrs)
                    .ok_or_else(|| not_visible("GetWebACL", name))
            }
        }
    }

    /// A conflicting change in between answers WAFOptimisticLockException, which is transient:
    /// the retry reads a fresh token.
    async fn update_acl(&self, d: &Desired<'_>, a: &Attrs) -> Result<(), CallError> {
        let (scope, name, id) = (desired_scope(d)?, attr(a, "name")?, attr(a, "id")?);
        let spec = AclSpec::of(d)?;
        let found = self.acl(&scope, name, id).await?;
        let (acl, token) = found.ok_or_else(|| not_visible("GetWebACL", name))?;
        if spec.differs(&acl) {
            self.writer(&scope)
                .update_web_acl()
                .name(name)
                .scope(scope.clone())
                .id(id)
                .lock_token(token)
                .default_action(spec.default)
                .set_rules(Some(spec.rules))
                .visibility_config(spec.visibility)
                .set_description(spec.description)
                .send()
                .await
                .op("UpdateWebACL")
                .map_err(waf)?;
        }
        Ok(())
    }

    async fn read_acl(&self, a: &Attrs) -> Observed {
        let arn = attr(a, "arn")?;
        let scope = arn_scope(arn);
        let Some((acl, _)) = self.acl(&scope, attr(a, "name")?, attr(a, "id")?).await? else {
            return Ok(None);
        };
        let tags = self.reader(&scope).read_tags(arn).await?;
        let mut out = observed([("tags", tag_map(tags))]);
        if let Some(kind) = default_kind(acl.default_action()) {
            out.insert("default_action".into(), default_action_json(kind));
        }
        if let Some(v) = acl.visibility_config() {
            out.insert(
                "visibility_config".into(),
                json!([{
                    "cloudwatch_metrics_enabled": v.cloud_watch_metrics_enabled(),
                    "metric_name": v.metric_name(),
                    "sampled_requests_enabled": v.sampled_requests_enabled(),
                }]),
            );
        }
        Ok(Some(out))
    }

    async fn delete_acl(&self, a: &Attrs) -> Result<(), CallError> {
        let arn = attr(a, "arn")?;
        let (name, id) = (attr(a, "name")?, attr(a, "id")?);
        let scope = arn_scope(arn);
        let Some((_, token)) = self.acl(&scope, name, id).await? else {
            return Ok(());
        };
        // Still attached (a CloudFront distribution lets go of its ACL only once deployed):
        // WAFAssociatedItemException is transient, so the engine tries again later.
        absent_ok(
            self.writer(&scope)
                .delete_web_acl()
                .name(name)
                .scope(scope.clone())
                .id(id)
                .lock_token(token)
                .send()
                .await
                .op("DeleteWebACL")
                .map_err(waf),
        )?;
        until_gone(name, Duration::from_secs(120), || async {
            Ok(self.acl(&scope, name, id).await?.is_some())
        })
        .await
    }

    // --- Associations (REGIONAL only: CloudFront takes its ACL in the distribution).

    /// The ARN of the ACL now protecting `resource`, if any (None also when the resource is
    /// gone).
    async fn acl_for(&self, resource: &str) -> Result<Option<String>, CallError> {
        let r = absent_ok(
            self.reads
                .get_web_acl_for_resource()
                .resource_arn(resource)
                .send()
                .await
                .op("GetWebACLForResource")
                .map_err(waf),
        )?;
        Ok(r.and_then(|r| r.web_acl().map(|a| a.arn().to_string()))
            .filter(|a| !a.is_empty()))
    }

    fn association_attrs(acl: &str, resource: &str) -> Attrs {
        attrs([
            ("id", format!("{acl},{resource}")),
            ("web_acl_arn", acl.to_string()),
            ("resource_arn", resource.to_string()),
        ])
    }

    async fn associate(&self, d: &Desired<'_>) -> Ensured {
        let acl = d.str("web_acl_arn")?;
        let resource = d.str("resource_arn")?;
        let current = self.acl_for(resource).await?;
        if current.as_deref() == Some(acl) {
            return Ok(Self::association_attrs(acl, resource));
        }
        if current.is_some() {
            // A resource has one ACL; replace the other one explicitly rather than rely on
            // AssociateWebACL overriding it.
            absent_ok(
                self.client
                    .disassociate_web_acl()
                    .resource_arn(resource)
                    .send()
                    .await
                    .op("DisassociateWebACL")
                    .map_err(waf),
            )?;
        }
        // A just-created ALB, stage or ACL is not visible to WAF for a while
        // (WAFUnavailableEntityException): keep asking, as hashicorp/aws does.
        let unavailable = codes(&["WAFUnavailableEntityException"]);
        while_busy(d.address, Duration::from_secs(300), unavailable, || async {
            let r = self
                .client
                .associate_web_acl()
                .web_acl_arn(acl)
                .resource_arn(resource);
            r.send().await.op("AssociateWebACL").map_err(waf)
        })
        .await?;
        Ok(Self::association_attrs(acl, resource))
    }

    // --- Logging configurations (one per ACL, in the ACL's scope's region).

    async fn logging(&self, acl_arn: &str) -> Result<Option<LoggingConfiguration>, CallError> {
        let r = absent_ok(
            self.reader(&arn_scope(acl_arn))
                .get_logging_configuration()
                .resource_arn(acl_arn)
                .send()
                .await
                .op("GetLoggingConfiguration")
                .map_err(waf),
        )?;
        Ok(r.and_then(|r| r.logging_configuration().cloned()))
    }

    fn logging_attrs(acl_arn: &str) -> Attrs {
        attrs([
            ("id", acl_arn.to_string()),
            ("resource_arn", acl_arn.to_string()),
        ])
    }

    async fn put_logging(&self, d: &Desired<'_>) -> Ensured {
        let acl = d.str("resource_arn")?;
        let mut want = d.strings("log_destination_configs");
        if want.is_empty() {
            return Err(CallError::bad_value(
                d.address,
                "log_destination_configs",
                "must name at least one destination",
            ));
        }
        for dest in &want {
            // WAF refuses CloudWatch log groups not named aws-waf-logs-*: say so before AWS
            // answers with a bare WAFInvalidParameterException.
            if let Some((_, group)) = dest.split_once(":log-group:") {
                if !group.starts_with("aws-waf-logs-") {
                    return Err(CallError::bad_value(
                        d.address,
                        "log_destination_configs",
                        "names a log group whose name does not start with aws-waf-logs-",
                    ));
                }
                let region = dest.split(':').nth(3).unwrap_or("");
                if matches!(arn_scope(acl), Scope::Cloudfront) && region != "us-east-1" {
                    tracing::warn!(
                        child = d.address,
                        destination = %dest,
                        "AWS delivers a CLOUDFRONT web ACL's logs only to a log group in us-east-1"
                    );
                }
            }
        }
        want.sort();
        let current = self.logging(acl).await?.map(|c| {
            let mut v = c.log_destination_configs().to_vec();
            v.sort();
            v
        });
        if current.as_ref() != Some(&want) {
            let config = built(
                LoggingConfiguration::builder()
                    .resource_arn(acl)
                    .set_log_destination_configs(Some(want))
                    .build(),
                "logging_configuration",
            )?;
            self.writer(&arn_scope(acl))
                .put_logging_configuration()
                .logging_configuration(config)
                .send()
                .await
                .op("PutLoggingConfiguration")
                .map_err(waf)?;
        }
        Ok(Self::logging_attrs(acl))
    }
}

impl Resource for Wafv2WebAcl<'_> {
    const KEYS: &'static [&'static str] = &["tags", "default_action", "visibility_config"];
    /// The rules and description, compared by `AclSpec::differs`.
    const UNREAD: &'static [&'static str] = &["rule"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let found = self.summary(&desired_scope(d)?, d.str("name")?).await?;
        Ok(found.as_ref().and_then(Wafv2::acl_attrs))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        self.create_acl(d).await
    }

    async fn read(&self, a: &Attrs) -> Observed {
        self.read_acl(a).await
    }

    async fn update(&self, d: &Desired<'_>, a: &Attrs, changed: &[&str]) -> Result<(), CallError> {
        if changed.iter().any(|k| *k != "tags") {
            self.update_acl(d, a).await?;
        }
        if changed.contains(&"tags") {
            let scope = desired_scope(d)?;
            let arn = attr(a, "arn")?;
            tags::sync(self.reader(&scope), self.writer(&scope), arn, &d.tags()).await?;
        }
        Ok(())
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        self.delete_acl(a).await
    }
}

/// REGIONAL only: CloudFront takes its ACL in the distribution.
impl Resource for Wafv2WebAclAssociation<'_> {
    const KEYS: &'static [&'static str] = &["web_acl_arn"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let (acl, resource) = (d.str("web_acl_arn")?, d.str("resource_arn")?);
        let ours = self.acl_for(resource).await?.as_deref() == Some(acl);
        Ok(ours.then(|| Wafv2::association_attrs(acl, resource)))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        self.associate(d).await
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let acl = self.acl_for(attr(a, "resource_arn")?).await?;
        Ok(acl.map(|acl| observed([("web_acl_arn", Json::String(acl))])))
    }

    async fn update(&self, d: &Desired<'_>, _a: &Attrs, _: &[&str]) -> Result<(), CallError> {
        self.associate(d).await.map(drop)
    }

    /// Only our own association: the resource may be protected by another ACL now.
    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let resource = attr(a, "resource_arn")?;
        if self.acl_for(resource).await?.as_deref() == Some(attr(a, "web_acl_arn")?) {
            let r = self
                .client
                .disassociate_web_acl()
                .resource_arn(resource)
                .send()
                .await;
            absent_ok(r.op("DisassociateWebACL").map_err(waf))?;
        }
        Ok(())
    }
}

/// One per ACL, in the ACL's scope's region.
impl Resource for Wafv2WebAclLoggingConfiguration<'_> {
    const KEYS: &'static [&'static str] = &["log_destination_configs"];

    async fn find(&self, d: &Desired<'_>) -> Found {
        let acl = d.str("resource_arn")?;
        Ok(self.logging(acl).await?.map(|_| Wafv2::logging_attrs(acl)))
    }

    async fn create(&self, d: &Desired<'_>) -> Ensured {
        self.put_logging(d).await
    }

    async fn read(&self, a: &Attrs) -> Observed {
        let Some(c) = self.logging(attr(a, "resource_arn")?).await? else {
            return Ok(None);
        };
        let dests = c
            .log_destination_configs()
            .iter()
            .map(|s| Json::String(s.clone()));
        Ok(Some(observed([(
            "log_destination_configs",
            Json::Array(dests.collect()),
        )])))
    }

    async fn update(&self, d: &Desired<'_>, _a: &Attrs, _: &[&str]) -> Result<(), CallError> {
        self.put_logging(d).await.map(drop)
    }

    async fn delete(&self, a: &Attrs) -> Result<(), CallError> {
        let acl = attr(a, "resource_arn")?;
        let r = self
            .writer(&arn_scope(acl))
            .delete_logging_configuration()
            .resource_arn(acl);
        absent_ok(r.send().await.op("DeleteLoggingConfiguration").map_err(waf))?;
        Ok(())
    }
}
