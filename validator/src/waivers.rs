//! Waivers: a reviewed exception for a rule on resources matching an address pattern, with a
//! reason and an expiry date after which it no longer waives.

use std::path::Path;

use crate::finding::{Finding, Status};

#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// Rule id, or `*` for every rule.
    pub rule: String,
    /// Resource address glob: `*` matches any run of characters, `?` one character.
    pub resource: String,
    pub reason: String,
    /// `YYYY-MM-DD`; the waiver stops applying after this day.
    pub expires: Option<String>,
    /// What `resource` names; a waivers file gives globs.
    #[serde(skip)]
    pub scope: Scope,
}

/// What a waiver's `resource` stands for, by where the waiver was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// A glob over addresses (a waivers file).
    #[default]
    Glob,
    /// Every instance of one `.tf` block (`address::block_key`), and every child when the block
    /// is an environment: an inline `# edulibra:waive` comment. `resource` only describes it.
    Block(String),
    /// Exactly the address in `resource`: an `edulibra:waive:RULE` tag on the resource itself.
    Address,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    waivers: Vec<Waiver>,
}

#[derive(Clone, Debug, Default)]
pub struct Waivers {
    pub items: Vec<Waiver>,
    /// Today as `YYYY-MM-DD`, to judge expiry.
    pub today: String,
}

pub fn today_utc() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A real calendar date written `YYYY-MM-DD`: `2027-13-99` or `2027-02-29` is a typo that
/// would otherwise waive for ever (or never), so it is refused.
pub(crate) fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let number = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// What applying the waivers found besides the findings they waived.
#[derive(Debug, Default)]
pub struct Applied {
    /// Past their expiry date: they no longer waive.
    pub expired: Vec<String>,
    /// In force, but no finding of this run matched them: fixed, renamed or mistyped.
    pub stale: Vec<String>,
    /// Every waiver and what it did, in the order given.
    pub uses: Vec<WaiverUse>,
}

/// One waiver in a run: where it came from, until when, and whom it silenced.
#[derive(Clone, Debug, serde::Serialize)]
pub struct WaiverUse {
    pub rule: String,
    pub resource: String,
    pub reason: String,
    pub expires: Option<String>,
    /// `in force`, `expired` or `stale` (in force, matched nothing).
    pub state: &'static str,
    /// `rule_id resource` of every finding it waived.
    pub silenced: Vec<String>,
}

/// The tag key prefix of a waiver carried by the resource itself, for plans checked without
/// their sources: `edulibra:waive:EDU-HA-001 = "expires=2027-06-30 reason=single AZ in dev"`.
/// AWS tag values allow no quotes, so the reason is the rest of the value.
pub const WAIVE_TAG: &str = "edulibra:waive:";

/// Waivers from `edulibra:waive:RULE` tags (`tags`, else `tags_all`) of the plan's resources.
pub fn from_tags(resources: &[crate::plan::Resource]) -> Result<Vec<Waiver>, WaiverError> {
    let mut out = Vec::new();
    for r in resources {
        let Some(tags) = ["tags", "tags_all"]
            .iter()
            .find_map(|k| r.values.get(*k).and_then(|t| t.as_object()))
        else {
            continue;
        };
        for (key, value) in tags {
            let Some(rule) = key.strip_prefix(WAIVE_TAG) else {
                continue;
            };
            let invalid = |m: String| WaiverError::Invalid {
                path: format!("{}: tag {key}", r.address),
                message: m,
            };
            let text = value
                .as_str()
                .ok_or_else(|| invalid("the value is not a string".into()))?;
            let (expires, reason) = parse_settings(rule, text, true).map_err(invalid)?;
            out.push(Waiver {
                rule: rule.to_string(),
                resource: r.address.clone(),
                reason,
                expires: Some(expires),
                scope: Scope::Address,
            });
        }
    }
    Ok(out)
}

/// The marker of a waiver in a `.tf` comment (`# edulibra:waive RULE ...`), and the name its
/// messages give it.
pub(crate) const WAIVE: &str = "edulibra:waive";

/// The settings of an inline or tag waiver, `expires=YYYY-MM-DD reason=...`: both required,
/// the date a real one. A quoted value ends at its quote, an unquoted one at a space, except an
/// unquoted reason when `reason_is_rest` (tags, whose values allow no quotes): the rest.
pub(crate) fn parse_settings(
    rule: &str,
    text: &str,
    reason_is_rest: bool,
) -> Result<(String, String), String> {
    let (mut expires, mut reason) = (None, None);
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let (name, after) = rest
            .split_once('=')
            .ok_or_else(|| format!("{WAIVE} {rule}: expected name=value, found {rest:?}"))?;
        let name = name.trim();
        let (value, after) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| format!("{WAIVE} {rule}: {name}'s quote is never closed"))?;
            (&quoted[..end], &quoted[end + 1..])
        } else if reason_is_rest && name == "reason" {
            (after.trim_end(), "")
        } else {
            after.split_once(char::is_whitespace).unwrap_or((after, ""))
        };
        match name {
            "expires" => expires = Some(value.to_string()),
            "reason" => reason = Some(value.to_string()),
            other => {
                return Err(format!(
                    "{WAIVE} {rule}: unknown setting {other:?} (expires, reason)"
                ))
            }
        }
        rest = after;
    }
    let reason = reason
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| format!("{WAIVE} {rule} has no reason=\"...\""))?;
    let expires = expires.ok_or_else(|| format!("{WAIVE} {rule} has no expires=YYYY-MM-DD"))?;
    if !valid_date(&expires) {
        return Err(format!(
            "{WAIVE} {rule}: expires {expires:?} is not a YYYY-MM-DD date"
        ));
    }
    Ok((expires, reason))
}

impl Waivers {
    pub fn load(path: &Path) -> Result<Waivers, WaiverError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| WaiverError::Io {
            path: p.clone(),
            source,
        })?;
        let invalid = |m: String| WaiverError::Invalid {
            path: p.clone(),
            message: m,
        };
        let file: File = if p.ends_with(".toml") {
            toml::from_str(&text).map_err(|e| invalid(e.to_string()))?
        } else {
            serde_yaml::from_str(&text).map_err(|e| invalid(e.to_string()))?
        };
        for (i, w) in file.waivers.iter().enumerate() {
            if w.reason.trim().is_empty() {
                return Err(invalid(format!(
                    "waiver {} ({}) has no reason",
                    i + 1,
                    w.rule
                )));
            }
            if let Some(e) = &w.expires {
                if !valid_date(e) {
                    return Err(invalid(format!(
                        "waiver {} ({}): expires {e:?} is not a YYYY-MM-DD date",
                        i + 1,
                        w.rule
                    )));
                }
            }
        }
        Ok(Waivers {
            items: file.waivers,
            today: today_utc(),
        })
    }

    /// Marks waived findings; says which waivers have expired and which matched nothing.
    pub fn apply(&self, findings: &mut [Finding]) -> Applied {
        // A block waiver compares each finding's block: worked out once per finding, not once
        // per waiver and finding.
        let block_keys: Vec<Option<String>> = if self
            .items
            .iter()
            .any(|w| matches!(w.scope, Scope::Block(_)))
        {
            findings
                .iter()
                .map(|f| crate::address::block_key(&f.resource))
                .collect()
        } else {
            vec![None; findings.len()]
        };
        let mut uses = Vec::new();
        for w in &self.items {
            let mut used = WaiverUse {
                rule: w.rule.clone(),
                resource: w.resource.clone(),
                reason: w.reason.clone(),
                expires: w.expires.clone(),
                state: "in force",
                silenced: Vec::new(),
            };
            if w.expires
                .as_deref()
                .is_some_and(|e| e < self.today.as_str())
            {
                used.state = "expired";
                uses.push(used);
                continue;
            }
            let mut matched = false;
            for (i, f) in findings.iter_mut().enumerate() {
                let on_resource = match &w.scope {
                    Scope::Glob => glob_match(&w.resource, &f.resource),
                    Scope::Block(block) => block_keys[i].as_ref() == Some(block),
                    Scope::Address => w.resource == f.resource,
                };
                if (w.rule == "*" || w.rule.eq_ignore_ascii_case(&f.rule_id)) && on_resource {
                    matched = true;
                    if f.status != Status::Waived {
                        f.status = Status::Waived;
                        f.waiver = Some(w.reason.clone());
                        used.silenced.push(format!("{} {}", f.rule_id, f.resource));
                    }
                }
            }
            if !matched {
                used.state = "stale";
            }
            uses.push(used);
        }
        let said = |state: &'static str| uses.iter().filter(move |u| u.state == state);
        Applied {
            expired: said("expired")
                .map(|u| {
                    let expires = u.expires.as_deref().unwrap_or("");
                    format!(
                        "{} on {} expired {expires}: {}",
                        u.rule, u.resource, u.reason
                    )
                })
                .collect(),
            stale: said("stale")
                .map(|u| format!("{} on {}: {}", u.rule, u.resource, u.reason))
                .collect(),
            uses,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{glob_match, valid_date};

    #[test]
    fn only_real_calendar_dates_are_expiries() {
        for good in ["2027-06-30", "2028-02-29", "2000-02-29", "2027-12-31"] {
            assert!(valid_date(good), "{good}");
        }
        for bad in [
            "2027-13-99",
            "2027-02-29",
            "1900-02-29",
            "2027-04-31",
            "2027-00-10",
            "2027-06-00",
            "2027-6-30",
            "27-06-30xx",
            "2027-06-3a",
            "2027/06/30",
        ] {
            assert!(!valid_date(bad), "{bad}");
        }
    }

    #[test]
    fn globs() {
        assert!(glob_match(
            "module.edulibra.*/aws_db_instance.*",
            "module.edulibra.edulibra_environment.this/aws_db_instance.main"
        ));
        assert!(glob_match("aws_s3_bucket.?", "aws_s3_bucket.b"));
        assert!(!glob_match("aws_s3_bucket.a*", "aws_s3_bucket.b"));
        assert!(glob_match("*", ""));
    }
}
