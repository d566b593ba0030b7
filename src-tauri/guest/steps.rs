//! Steps of a visitor's conversation and the scenario files that hold them.
//!
//! A scenario file is YAML (or JSON, which is YAML too):
//!
//! ```yaml
//! deployment: 5b0f…          # or --deployment
//! origin: https://shop.example.com
//! scenarios:
//!   Greets and routes to Support:
//!     - say: hi
//!     - expect-reply: { matches: "(?i)help", within: 10 }
//!     - expect-routed: { queue: Support, within: 60 }
//!   Tracks an order from the menu:
//!     - say: hi
//!     - expect-quick-replies: [Track my order, Talk to an agent]
//!     - choose: Track my order
//!     - expect-card: { title: Your order, within: 10 }
//!     - expect-participant-data: { orderStatus: shipped }
//!     - expect-attachment: label-1042.png
//!   Sends a photo, and is refused a program:
//!     - say: hi
//!     - upload: photos/receipt.png
//!     - upload: { file: tools/setup.exe, refused: true }
//! ```
//!
//! An `upload` path is taken from the scenario file's folder when it is relative.
//!
//! `custom-attributes: {key: value}` at the top applies to every scenario; a scenario
//! written as `{custom-attributes: {…}, steps: […]}` adds its own. They go with the
//! visitor's messages, where flows read them.
//!
//! Parsing refuses anything it does not understand, naming the scenario and step, so a
//! typo in CI fails the run as an invalid file (exit 2), never as a silent pass.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::Regex;
use serde_json::{Map, Value};

/// The longest any one step may wait.
pub const MAX_WITHIN_SECONDS: u64 = 86_400;
/// Largest scenario file read.
pub const MAX_SCENARIO_FILE_BYTES: u64 = 1024 * 1024;
const MAX_SCENARIOS: usize = 1_000;
const MAX_STEPS: usize = 200;

const DEFAULT_REPLY_WITHIN: u64 = 30;
const DEFAULT_ROUTED_WITHIN: u64 = 60;
const DEFAULT_AGENT_WITHIN: u64 = 300;

#[derive(Debug, Clone)]
pub enum Matcher {
    Contains(String),
    Matches(Regex),
}

impl Matcher {
    pub fn is_match(&self, text: &str) -> bool {
        match self {
            Matcher::Contains(part) => text.to_lowercase().contains(&part.to_lowercase()),
            Matcher::Matches(regex) => regex.is_match(text),
        }
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::Contains(part) => write!(formatter, "containing \"{part}\""),
            Matcher::Matches(regex) => write!(formatter, "matching /{}/", regex.as_str()),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Step {
    Say(String),
    ExpectReply {
        matcher: Matcher,
        within: Duration,
    },
    /// `queue`: a name (case-insensitive) or id; `None` takes any queue.
    ExpectRouted {
        queue: Option<String>,
        within: Duration,
    },
    ExpectAgent {
        within: Duration,
    },
    Wait(Duration),
    /// A bot or agent message offers (at least) these quick replies, case-insensitive.
    ExpectQuickReplies {
        labels: Vec<String>,
        within: Duration,
    },
    /// Picks a quick reply or a card's button by its text, once offered.
    Choose {
        label: String,
        within: Duration,
    },
    /// A card (alone or in a carousel) whose title matches.
    ExpectCard {
        title: Matcher,
        within: Duration,
    },
    /// The customer's participant data holds these values, read through the API.
    ExpectParticipantData {
        data: BTreeMap<String, String>,
        within: Duration,
    },
    /// Sends a file through the guest attachment flow; with `refused`, the step holds
    /// when the service refuses it instead.
    Upload {
        file: PathBuf,
        refused: bool,
        within: Duration,
    },
    /// A bot or agent message carries a file whose name matches.
    ExpectAttachment {
        name: Matcher,
        within: Duration,
    },
}

impl Step {
    /// How long the step may take, for the steps that wait for something.
    pub fn within(&self) -> Option<Duration> {
        match self {
            Step::ExpectReply { within, .. }
            | Step::ExpectRouted { within, .. }
            | Step::ExpectAgent { within }
            | Step::ExpectQuickReplies { within, .. }
            | Step::Choose { within, .. }
            | Step::ExpectCard { within, .. }
            | Step::ExpectParticipantData { within, .. }
            | Step::Upload { within, .. }
            | Step::ExpectAttachment { within, .. } => Some(*within),
            Step::Wait(duration) => Some(*duration),
            Step::Say(_) => None,
        }
    }

    /// The longest a list of steps can take, plus room to connect and close.
    pub fn budget(steps: &[Step]) -> Duration {
        steps
            .iter()
            .filter_map(Step::within)
            .fold(Duration::from_secs(30), |total, step| total + step)
    }
}

impl fmt::Display for Step {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Say(text) => write!(formatter, "say \"{text}\""),
            Step::ExpectReply { matcher, within } => {
                write!(
                    formatter,
                    "expect-reply {matcher} within {} s",
                    within.as_secs()
                )
            }
            Step::ExpectRouted { queue, within } => match queue {
                Some(queue) => write!(
                    formatter,
                    "expect-routed to {queue} within {} s",
                    within.as_secs()
                ),
                None => write!(formatter, "expect-routed within {} s", within.as_secs()),
            },
            Step::ExpectAgent { within } => {
                write!(formatter, "expect-agent within {} s", within.as_secs())
            }
            Step::Wait(duration) => write!(formatter, "wait {} s", duration.as_secs()),
            Step::ExpectQuickReplies { labels, within } => write!(
                formatter,
                "expect-quick-replies [{}] within {} s",
                labels.join(", "),
                within.as_secs()
            ),
            Step::Choose { label, .. } => write!(formatter, "choose \"{label}\""),
            Step::ExpectCard { title, within } => write!(
                formatter,
                "expect-card titled {title} within {} s",
                within.as_secs()
            ),
            Step::ExpectParticipantData { data, within } => write!(
                formatter,
                "expect-participant-data {{{}}} within {} s",
                pairs(data),
                within.as_secs()
            ),
            Step::Upload { file, refused, .. } => {
                let name = file
                    .file_name()
                    .unwrap_or(file.as_os_str())
                    .to_string_lossy();
                match refused {
                    true => write!(formatter, "upload {name}, expecting it refused"),
                    false => write!(formatter, "upload {name}"),
                }
            }
            Step::ExpectAttachment { name, within } => write!(
                formatter,
                "expect-attachment named {name} within {} s",
                within.as_secs()
            ),
        }
    }
}

/// `key=value, …`, as steps and failures show participant data.
pub fn pairs(data: &BTreeMap<String, String>) -> String {
    data.iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub steps: Vec<Step>,
    /// The file's custom attributes with the scenario's own over them.
    pub attributes: Map<String, Value>,
}

#[derive(Debug, Clone)]
pub struct ScenarioFile {
    pub deployment: Option<String>,
    pub origin: Option<String>,
    pub scenarios: Vec<Scenario>,
}

impl ScenarioFile {
    /// Takes relative `upload` paths from `folder`, the scenario file's.
    pub fn files_from(mut self, folder: &Path) -> Self {
        for scenario in &mut self.scenarios {
            for step in &mut scenario.steps {
                if let Step::Upload { file, .. } = step {
                    if file.is_relative() {
                        *file = folder.join(&*file);
                    }
                }
            }
        }
        self
    }
}

/// `key: value` pairs of text, as the Guest API takes them; numbers and booleans are
/// written as text.
fn custom_attributes(value: Value, whose: &str) -> Result<Map<String, Value>, String> {
    let Value::Object(map) = value else {
        return Err(format!(
            "`custom-attributes` of {whose} must map names to values"
        ));
    };
    map.into_iter()
        .map(|(key, value)| {
            let text = match value {
                Value::String(text) => text,
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                _ => {
                    return Err(format!(
                        "custom attribute `{key}` of {whose} must be text, a number or true/false"
                    ))
                }
            };
            Ok((key, Value::String(text)))
        })
        .collect()
}

/// Reads a scenario file's text (YAML or JSON).
pub fn parse_scenario_file(text: &str) -> Result<ScenarioFile, String> {
    let document: Value =
        serde_norway::from_str(text).map_err(|e| format!("not valid YAML or JSON: {e}"))?;
    let Value::Object(mut top) = document else {
        return Err("the file must be a mapping with `scenarios`".into());
    };
    let deployment = optional_text(&mut top, "deployment", "the file")?;
    if let Some(deployment) = &deployment {
        if uuid::Uuid::parse_str(deployment).is_err() {
            return Err(format!(
                "`deployment` must be a deployment id (a UUID), not `{deployment}`"
            ));
        }
    }
    let origin = optional_text(&mut top, "origin", "the file")?;
    let attributes = match top.remove("custom-attributes") {
        Some(value) => custom_attributes(value, "the file")?,
        None => Map::new(),
    };
    let scenarios = top.remove("scenarios");
    if let Some(unknown) = top.keys().next() {
        return Err(format!(
            "unknown key `{unknown}` (known: deployment, origin, custom-attributes, scenarios)"
        ));
    }
    let scenarios = match scenarios {
        Some(Value::Object(scenarios)) => scenarios,
        Some(_) => return Err("`scenarios` must map scenario names to lists of steps".into()),
        None => return Err("the file has no `scenarios`".into()),
    };
    if scenarios.is_empty() {
        return Err("`scenarios` is empty".into());
    }
    if scenarios.len() > MAX_SCENARIOS {
        return Err(format!("more than {MAX_SCENARIOS} scenarios"));
    }
    let scenarios = scenarios
        .into_iter()
        .map(|(name, steps)| parse_scenario(name, steps, &attributes))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ScenarioFile {
        deployment,
        origin,
        scenarios,
    })
}

fn optional_text(
    map: &mut Map<String, Value>,
    key: &str,
    whose: &str,
) -> Result<Option<String>, String> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(format!("`{key}` of {whose} must be text")),
    }
}

fn parse_scenario(
    name: String,
    steps: Value,
    file_attributes: &Map<String, Value>,
) -> Result<Scenario, String> {
    let mut attributes = file_attributes.clone();
    let steps = match steps {
        Value::Object(mut parts) => {
            if let Some(own) = parts.remove("custom-attributes") {
                attributes.extend(custom_attributes(own, &format!("scenario `{name}`"))?);
            }
            let steps = parts.remove("steps");
            if let Some(unknown) = parts.keys().next() {
                return Err(format!(
                    "scenario `{name}`: unknown key `{unknown}` (known: custom-attributes, steps)"
                ));
            }
            steps.ok_or_else(|| format!("scenario `{name}` has no `steps`"))?
        }
        steps => steps,
    };
    let Value::Array(items) = steps else {
        return Err(format!("scenario `{name}`: steps must be a list"));
    };
    if items.is_empty() {
        return Err(format!("scenario `{name}` has no steps"));
    }
    if items.len() > MAX_STEPS {
        return Err(format!("scenario `{name}` has more than {MAX_STEPS} steps"));
    }
    let steps = items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            parse_step(item).map_err(|e| format!("scenario `{name}`, step {}: {e}", index + 1))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Scenario {
        name,
        steps,
        attributes,
    })
}

fn parse_step(item: Value) -> Result<Step, String> {
    let Value::Object(map) = item else {
        return Err("a step is a mapping such as `say: hi`".into());
    };
    if map.len() != 1 {
        return Err(format!("a step has exactly one kind ({KNOWN_STEPS})"));
    }
    let Some((kind, value)) = map.into_iter().next() else {
        return Err("empty step".into());
    };
    match kind.as_str() {
        "say" => match value {
            Value::String(text) if !text.trim().is_empty() => Ok(Step::Say(text)),
            Value::Number(number) => Ok(Step::Say(number.to_string())),
            _ => Err("`say` needs the text to send".into()),
        },
        "wait" => Ok(Step::Wait(seconds(&value, "wait")?)),
        "expect-reply" => {
            let mut options = options(value, "expect-reply")?;
            let within = within(&mut options, DEFAULT_REPLY_WITHIN)?;
            let contains = optional_text(&mut options, "contains", "expect-reply")?;
            let matches = optional_text(&mut options, "matches", "expect-reply")?;
            refuse_unknown(&options, "expect-reply", "contains, matches, within")?;
            let matcher = match (contains, matches) {
                (Some(part), None) => Matcher::Contains(part),
                (None, Some(pattern)) => Matcher::Matches(
                    Regex::new(&pattern)
                        .map_err(|e| format!("`matches` is not a valid pattern: {e}"))?,
                ),
                _ => return Err("expect-reply needs exactly one of `contains` or `matches`".into()),
            };
            Ok(Step::ExpectReply { matcher, within })
        }
        "expect-routed" => {
            let mut options = options(value, "expect-routed")?;
            let within = within(&mut options, DEFAULT_ROUTED_WITHIN)?;
            let queue = optional_text(&mut options, "queue", "expect-routed")?;
            refuse_unknown(&options, "expect-routed", "queue, within")?;
            Ok(Step::ExpectRouted { queue, within })
        }
        "expect-agent" => {
            let mut options = options(value, "expect-agent")?;
            let within = within(&mut options, DEFAULT_AGENT_WITHIN)?;
            refuse_unknown(&options, "expect-agent", "within")?;
            Ok(Step::ExpectAgent { within })
        }
        "expect-quick-replies" | "choose" | "expect-card" | "expect-participant-data" => {
            parse_rich_step(&kind, value)
        }
        "upload" | "expect-attachment" => parse_attachment_step(&kind, value),
        other => Err(format!("unknown step `{other}` (known: {KNOWN_STEPS})")),
    }
}

/// The steps about rich content and participant data.
fn parse_rich_step(kind: &str, value: Value) -> Result<Step, String> {
    match kind {
        "expect-quick-replies" => {
            let (labels, mut options) = match value {
                Value::Array(labels) => (Value::Array(labels), Map::new()),
                value => {
                    let mut options = options(value, "expect-quick-replies")?;
                    let labels = options.remove("labels").unwrap_or(Value::Null);
                    (labels, options)
                }
            };
            let within = within(&mut options, DEFAULT_REPLY_WITHIN)?;
            refuse_unknown(&options, "expect-quick-replies", "labels, within")?;
            let labels: Vec<String> = match labels {
                Value::Array(labels) => labels
                    .into_iter()
                    .map(|label| match label {
                        Value::String(text) if !text.trim().is_empty() => Ok(text),
                        _ => Err("each quick reply is its text".to_string()),
                    })
                    .collect::<Result<_, _>>()?,
                _ => Vec::new(),
            };
            if labels.is_empty() {
                return Err("expect-quick-replies needs the quick replies' texts".into());
            }
            Ok(Step::ExpectQuickReplies { labels, within })
        }
        "choose" => match value {
            Value::String(label) if !label.trim().is_empty() => Ok(Step::Choose {
                label,
                within: Duration::from_secs(DEFAULT_REPLY_WITHIN),
            }),
            value => {
                let mut options = options(value, "choose")?;
                let within = within(&mut options, DEFAULT_REPLY_WITHIN)?;
                let label = optional_text(&mut options, "label", "choose")?;
                refuse_unknown(&options, "choose", "label, within")?;
                match label {
                    Some(label) if !label.trim().is_empty() => Ok(Step::Choose { label, within }),
                    _ => Err("`choose` needs the text of the quick reply or button".into()),
                }
            }
        },
        "expect-card" => {
            let mut options = match value {
                Value::String(title) => {
                    let mut options = Map::new();
                    options.insert("title".into(), Value::String(title));
                    options
                }
                value => options(value, "expect-card")?,
            };
            let within = within(&mut options, DEFAULT_REPLY_WITHIN)?;
            let title = optional_text(&mut options, "title", "expect-card")?;
            let matches = optional_text(&mut options, "matches", "expect-card")?;
            refuse_unknown(&options, "expect-card", "title, matches, within")?;
            let title = match (title, matches) {
                (Some(part), None) => Matcher::Contains(part),
                (None, Some(pattern)) => Matcher::Matches(
                    Regex::new(&pattern)
                        .map_err(|e| format!("`matches` is not a valid pattern: {e}"))?,
                ),
                _ => return Err("expect-card needs exactly one of `title` or `matches`".into()),
            };
            Ok(Step::ExpectCard { title, within })
        }
        "expect-participant-data" => {
            let mut options = options(value, "expect-participant-data")?;
            // `{data: {…}, within: N}`, or the pairs themselves.
            let (data, within) = match options.remove("data") {
                Some(data) => {
                    let within = within(&mut options, DEFAULT_ROUTED_WITHIN)?;
                    refuse_unknown(&options, "expect-participant-data", "data, within")?;
                    (data, within)
                }
                None => (
                    Value::Object(options),
                    Duration::from_secs(DEFAULT_ROUTED_WITHIN),
                ),
            };
            let data: BTreeMap<String, String> =
                custom_attributes(data, "expect-participant-data")?
                    .into_iter()
                    .map(|(key, value)| (key, value.as_str().unwrap_or_default().to_string()))
                    .collect();
            if data.is_empty() {
                return Err("expect-participant-data needs the keys and values to find".into());
            }
            Ok(Step::ExpectParticipantData { data, within })
        }
        other => Err(format!("unknown step `{other}` (known: {KNOWN_STEPS})")),
    }
}

/// `upload` and `expect-attachment`.
fn parse_attachment_step(kind: &str, value: Value) -> Result<Step, String> {
    let (main, known) = match kind {
        "upload" => ("file", "file, refused, within"),
        _ => ("name", "name, matches, within"),
    };
    let mut options = match value {
        Value::String(text) => {
            let mut options = Map::new();
            options.insert(main.into(), Value::String(text));
            options
        }
        value => options(value, kind)?,
    };
    let within = within(&mut options, DEFAULT_REPLY_WITHIN)?;
    if kind == "upload" {
        let file = optional_text(&mut options, "file", kind)?;
        let refused = match options.remove("refused") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(refused)) => refused,
            Some(_) => return Err("`refused` of upload is true or false".into()),
        };
        refuse_unknown(&options, kind, known)?;
        return match file {
            Some(file) if !file.trim().is_empty() => Ok(Step::Upload {
                file: PathBuf::from(file),
                refused,
                within,
            }),
            _ => Err("`upload` needs the file to send".into()),
        };
    }
    let name = optional_text(&mut options, "name", kind)?;
    let matches = optional_text(&mut options, "matches", kind)?;
    refuse_unknown(&options, kind, known)?;
    let name = match (name, matches) {
        (Some(part), None) if !part.trim().is_empty() => Matcher::Contains(part),
        (None, Some(pattern)) => Matcher::Matches(
            Regex::new(&pattern).map_err(|e| format!("`matches` is not a valid pattern: {e}"))?,
        ),
        _ => return Err("expect-attachment needs exactly one of `name` or `matches`".into()),
    };
    Ok(Step::ExpectAttachment { name, within })
}

const KNOWN_STEPS: &str = "say, expect-reply, expect-routed, expect-agent, wait, \
    expect-quick-replies, choose, expect-card, expect-participant-data, upload, \
    expect-attachment";

fn options(value: Value, kind: &str) -> Result<Map<String, Value>, String> {
    match value {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        _ => Err(format!("`{kind}` takes a mapping such as {{ within: 10 }}")),
    }
}

fn refuse_unknown(options: &Map<String, Value>, kind: &str, known: &str) -> Result<(), String> {
    match options.keys().next() {
        Some(unknown) => Err(format!(
            "`{kind}` has no option `{unknown}` (known: {known})"
        )),
        None => Ok(()),
    }
}

fn within(options: &mut Map<String, Value>, default: u64) -> Result<Duration, String> {
    match options.remove("within") {
        None => Ok(Duration::from_secs(default)),
        Some(value) => seconds(&value, "within"),
    }
}

fn seconds(value: &Value, what: &str) -> Result<Duration, String> {
    match value.as_f64() {
        Some(seconds) if seconds > 0.0 && seconds <= MAX_WITHIN_SECONDS as f64 => {
            Ok(Duration::from_secs_f64(seconds))
        }
        _ => Err(format!(
            "`{what}` must be a number of seconds from 0 to {MAX_WITHIN_SECONDS}, not {value}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
deployment: 5b0f1c1e-8d2a-4c55-9f0b-1a2b3c4d5e6f
origin: https://shop.example.com
scenarios:
  Greets and routes to Support:
    - say: hi
    - expect-reply: { matches: "(?i)help", within: 10 }
    - say: I need an agent
    - expect-routed: { queue: Support, within: 60 }
  Agent answers within five minutes:
    - say: hello
    - expect-agent: { within: 300 }
    - wait: 2
"#;

    #[test]
    fn the_documented_example_parses_in_order() {
        let file = parse_scenario_file(EXAMPLE).unwrap();
        assert_eq!(file.origin.as_deref(), Some("https://shop.example.com"));
        let names: Vec<_> = file.scenarios.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Greets and routes to Support",
                "Agent answers within five minutes"
            ]
        );
        let first = &file.scenarios[0].steps;
        assert_eq!(first.len(), 4);
        assert_eq!(
            first[1].to_string(),
            "expect-reply matching /(?i)help/ within 10 s"
        );
        assert_eq!(first[3].to_string(), "expect-routed to Support within 60 s");
        assert!(
            matches!(&first[1], Step::ExpectReply { matcher, .. } if matcher.is_match("How can we HELP?"))
        );
        assert_eq!(
            Step::budget(&file.scenarios[1].steps),
            Duration::from_secs(30 + 300 + 2)
        );
    }

    #[test]
    fn rich_steps_and_custom_attributes_parse() {
        let file = parse_scenario_file(
            r#"
custom-attributes: { source: synthetic, tier: 2 }
scenarios:
  Menu:
    custom-attributes: { tier: gold }
    steps:
      - expect-quick-replies: [Track my order, Talk to an agent]
      - choose: Track my order
      - expect-card: { title: Your order, within: 5 }
      - expect-participant-data: { orderStatus: shipped }
  Plain:
    - expect-card: Your order
    - expect-participant-data: { data: { tier: 2 }, within: 9 }
"#,
        )
        .unwrap();
        let menu = &file.scenarios[0];
        assert_eq!(menu.attributes["source"], "synthetic");
        assert_eq!(menu.attributes["tier"], "gold");
        assert_eq!(file.scenarios[1].attributes["tier"], "2");
        assert_eq!(
            menu.steps[3].to_string(),
            "expect-participant-data {orderStatus=shipped} within 60 s"
        );
        assert_eq!(
            file.scenarios[1].steps[1].to_string(),
            "expect-participant-data {tier=2} within 9 s"
        );
        assert_eq!(
            menu.steps[0].to_string(),
            "expect-quick-replies [Track my order, Talk to an agent] within 30 s"
        );
        assert_eq!(menu.steps[1].to_string(), "choose \"Track my order\"");
        assert_eq!(
            menu.steps[2].to_string(),
            "expect-card titled containing \"Your order\" within 5 s"
        );
        for (text, expected) in [
            (
                "scenarios:\n  A:\n    - expect-quick-replies: []\n",
                "needs the quick replies",
            ),
            (
                "scenarios:\n  A:\n    - choose: {}\n",
                "`choose` needs the text",
            ),
            (
                "scenarios:\n  A:\n    - expect-card: {}\n",
                "exactly one of `title`",
            ),
            (
                "custom-attributes: [a]\nscenarios:\n  A:\n    - say: hi\n",
                "must map names",
            ),
            (
                "scenarios:\n  A:\n    custom-attributes: { a: [1] }\n    steps: [{say: hi}]\n",
                "custom attribute `a` of scenario `A`",
            ),
            ("scenarios:\n  A:\n    stepz: []\n", "unknown key `stepz`"),
            (
                "scenarios:\n  A:\n    - expect-participant-data: {}\n",
                "needs the keys and values",
            ),
            (
                "scenarios:\n  A:\n    - expect-participant-data: { data: { a: 1 }, withn: 3 }\n",
                "has no option `withn`",
            ),
        ] {
            let error = parse_scenario_file(text).unwrap_err();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }

    #[test]
    fn mistakes_are_named_with_their_scenario_and_step() {
        let cases = [
            (
                "scenarios:\n  A:\n    - sey: hi\n",
                "scenario `A`, step 1: unknown step `sey`",
            ),
            (
                "scenarios:\n  A:\n    - expect-reply: { within: 5 }\n",
                "exactly one of `contains` or `matches`",
            ),
            (
                "scenarios:\n  A:\n    - expect-reply: { matches: \"(\" }\n",
                "not a valid pattern",
            ),
            (
                "scenarios:\n  A:\n    - expect-agent: { within: -1 }\n",
                "`within` must be a number",
            ),
            (
                "scenarios:\n  A:\n    - expect-agent: { witin: 3 }\n",
                "has no option `witin`",
            ),
            ("scenario:\n  A: []\n", "unknown key `scenario`"),
            (
                "deployment: nope\nscenarios:\n  A:\n    - say: hi\n",
                "must be a deployment id",
            ),
            ("scenarios:\n  A: []\n", "scenario `A` has no steps"),
            ("- just a list", "must be a mapping"),
            ("scenarios: [", "not valid YAML"),
        ];
        for (text, expected) in cases {
            let error = parse_scenario_file(text).unwrap_err();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }
}
