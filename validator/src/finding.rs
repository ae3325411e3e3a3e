//! A judgement of one rule on one resource: what `eval` produces and `waivers` and `report`
//! read. Plain data, so that none of them depends on another for it.

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Fail,
    Unknown,
    Waived,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub title: String,
    pub severity: String,
    pub category: String,
    pub status: Status,
    pub resource: String,
    pub resource_type: String,
    pub message: String,
    pub remediation: String,
    pub references: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<String>,
    #[serde(skip)]
    pub source: String,
    /// The `.tf` file and line it belongs to, when the configuration's sources were read
    /// (`check --source`); otherwise the finding has only its plan address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// A place in the configuration (`sources`): a file (relative to where the gate runs,
/// `/`-separated) and a 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
}
