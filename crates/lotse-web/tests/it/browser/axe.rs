//! axe-core in the page: the pinned `tools/browser/node_modules/axe-core/axe.min.js` is
//! injected with WebDriver's execute script, then `axe.run` reports back through execute async.

use std::fmt;

use fantoccini::Client;
use serde::Deserialize;

/// One axe violation on one page.
#[derive(Debug, Clone, Deserialize)]
pub struct Finding {
    /// Which page (the step's name and path); set by [`run`].
    #[serde(default)]
    pub page: String,
    /// The rule (`color-contrast`, `label`, …).
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    #[serde(default)]
    pub impact: Option<String>,
    /// What the rule asks for.
    pub help: String,
    /// Deque's explanation of the rule.
    #[serde(rename = "helpUrl", default)]
    pub help_url: String,
    /// The failing elements: selector, their HTML (shortened) and axe's summary.
    pub targets: Vec<String>,
}

impl Finding {
    /// Whether the violation fails the test (serious or critical).
    pub fn blocks(&self) -> bool {
        matches!(self.impact.as_deref(), Some("serious" | "critical"))
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} [{}] {} ({})",
            self.page,
            self.id,
            self.impact.as_deref().unwrap_or("-"),
            self.help,
            self.help_url
        )?;
        for target in &self.targets {
            writeln!(f, "    {target}")?;
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    violations: Vec<Finding>,
    #[serde(default)]
    error: Option<String>,
}

/// Runs axe on the current document (after injecting it if the page does not have it yet).
const RUN: &str = r"
const done = arguments[arguments.length - 1];
const short = (s) => (s.length > 160 ? s.slice(0, 157) + '...' : s);
const selector = (target) => target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : t)).join(' ');
axe.run(document, { resultTypes: ['violations'] })
  .then((result) => done({
    violations: result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      targets: v.nodes.map((n) =>
        selector(n.target) + '  ' + short(n.html) +
        (n.failureSummary ? '  -- ' + n.failureSummary.replace(/\s+/g, ' ') : '')),
    })),
  }))
  .catch((e) => done({ error: String((e && e.stack) || e) }));
";

/// Every axe violation on the current page, each labelled with `page`.
pub async fn run(client: &Client, axe_source: &str, page: &str) -> Vec<Finding> {
    let present = client
        .execute("return typeof window.axe === 'object';", Vec::new())
        .await
        .expect("check for axe");
    if present != serde_json::Value::Bool(true) {
        client
            .execute(axe_source, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("cannot inject axe-core into {page}: {e}"));
    }
    let answer = client
        .execute_async(RUN, Vec::new())
        .await
        .unwrap_or_else(|e| panic!("axe.run failed on {page}: {e}"));
    let answer: Answer =
        serde_json::from_value(answer).unwrap_or_else(|e| panic!("axe answered something unexpected on {page}: {e}"));
    if let Some(error) = answer.error {
        panic!("axe.run failed on {page}: {error}");
    }
    answer
        .violations
        .into_iter()
        .map(|v| Finding {
            page: page.to_owned(),
            ..v
        })
        .collect()
}
