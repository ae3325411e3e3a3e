//! The cache of compiled programs a rule set carries (the provider judges many plans per
//! process). `compiled` fills it; the rule set only holds it, so loading rules does not depend
//! on compiling them.

use std::collections::BTreeMap;
use std::sync::Arc;

use regorus::rvm::program::Program;

/// Programs already compiled, by rule package.
#[derive(Default)]
pub struct Programs {
    /// The built-in pack (no tests), lowered for the RVM and compiled; made on first use.
    pub(crate) policy: Option<regorus::CompiledPolicy>,
    pub(crate) by_package: BTreeMap<String, Arc<Program>>,
    /// The library's identity facts and their resource types (see `identity`).
    pub(crate) identity: Option<Arc<crate::identity::Facts>>,
}
