//! The client and the Sandbox over real HTTP on 127.0.0.1, without the app.

// A failed unwrap in a test is a failed test with its location: what we want here.
#![allow(clippy::unwrap_used)]

mod client;
mod helpers;
mod sandbox_contract;
mod sandbox_lifecycle;
mod sandbox_schema;
mod sandbox_traffic;
