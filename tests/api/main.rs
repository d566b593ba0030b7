//! Integration tests: the client, the Sandbox and the CLI over real HTTP on 127.0.0.1.

// A failed unwrap in a test is a failed test with its location: what we want here.
#![allow(clippy::unwrap_used)]

mod app_commands;
mod channels;
mod cli;
mod dependencies;
mod editing;
mod fuzz;
mod guest_socket;
mod helpers;
mod hostile;
mod keychain;
mod monitor;
mod notifications;
mod official_sdk;
mod one_rule;
mod pacing;
mod promotion;
mod real_shapes;
mod request_conformance;
mod tidy;
mod ui_contract;
mod visitor;
mod workspace;
