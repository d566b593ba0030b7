//! The visitor's view of a channel: a client of the Web Messaging Guest WebSocket
//! (contract §12) that is the website visitor, runs scripted conversations, and follows
//! them into the queue; plus what the site really serves (the public deployment config),
//! the snippet and the Content-Security-Policy a page needs.
//!
//! Only hosts derived from the profile's environment are reached: `webmessaging.{domain}`
//! and `api-cdn.{domain}` of an official region, or the Sandbox's loopback port.

pub mod content;
pub mod drive;
pub mod finder;
pub mod leftovers;
pub mod protocol;
pub mod run;
pub mod site;
pub mod steps;
pub mod upload;

pub use drive::{drive, DrivePlan, DriveReport, DriveTarget, Line, Outcome, Voice};
pub use protocol::{attribute_bytes, MAX_CUSTOM_DATA_BYTES};
pub use run::{junit_xml, run_scenarios, ScenarioResult, Visit};
pub use steps::{parse_scenario_file, Matcher, Scenario, ScenarioFile, Step};
