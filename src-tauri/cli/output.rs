//! Rendering results as aligned tables or JSON.

use clap::ValueEnum;

use crate::application::catalog::{
    Flow, Queue, WebDeploymentConfigurationVersion, Whoami, REGIONS,
};
use crate::application::profiles::Profile;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

/// Prints rows under headers with columns padded to their widest cell.
fn table(headers: &[&str], rows: Vec<Vec<String>>) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        outln!("{}", padded.join("  ").trim_end());
    };
    line(headers.iter().map(|h| h.to_string()).collect());
    for row in rows {
        line(row);
    }
}

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn print_json<T: serde::Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => outln!("{text}"),
        Err(error) => eprintln!("error: could not render JSON: {error}"),
    }
}

pub fn queues(format: OutputFormat, queues: &[Queue]) {
    match format {
        OutputFormat::Json => print_json(&queues),
        OutputFormat::Table => table(
            &["ID", "NAME", "MEMBERS", "DIVISION"],
            queues
                .iter()
                .map(|q| {
                    vec![
                        text(&q.id),
                        text(&q.name),
                        q.member_count.map(|n| n.to_string()).unwrap_or_default(),
                        q.division
                            .as_ref()
                            .and_then(|d| d.name.clone())
                            .unwrap_or_default(),
                    ]
                })
                .collect(),
        ),
    }
}

pub fn flows(format: OutputFormat, flows: &[Flow]) {
    match format {
        OutputFormat::Json => print_json(&flows),
        OutputFormat::Table => table(
            &["ID", "NAME", "TYPE", "PUBLISHED"],
            flows
                .iter()
                .map(|f| {
                    vec![
                        text(&f.id),
                        text(&f.name),
                        text(&f.flow_type),
                        f.published_version
                            .as_ref()
                            .and_then(|v| v.name.clone())
                            .unwrap_or_else(|| "no".into()),
                    ]
                })
                .collect(),
        ),
    }
}

pub fn configurations(format: OutputFormat, configurations: &[WebDeploymentConfigurationVersion]) {
    match format {
        OutputFormat::Json => print_json(&configurations),
        OutputFormat::Table => table(
            &["ID", "NAME", "STATUS", "MODIFIED"],
            configurations
                .iter()
                .map(|c| {
                    vec![
                        text(&c.id),
                        c.name.clone(),
                        c.status.as_ref().map(|s| s.to_string()).unwrap_or_default(),
                        text(&c.date_modified),
                    ]
                })
                .collect(),
        ),
    }
}

pub fn profiles(format: OutputFormat, profiles: &[Profile]) {
    match format {
        OutputFormat::Json => print_json(&profiles),
        OutputFormat::Table => table(
            &["NAME", "ENVIRONMENT", "CLIENT ID"],
            profiles
                .iter()
                .map(|p| vec![p.name.clone(), p.environment.clone(), p.client_id.clone()])
                .collect(),
        ),
    }
}

pub fn regions(format: OutputFormat) {
    match format {
        OutputFormat::Json => print_json(&REGIONS),
        OutputFormat::Table => table(
            &["REGION", "LOCATION", "API HOST", "LOGIN HOST"],
            REGIONS
                .iter()
                .map(|r| {
                    vec![
                        r.name.into(),
                        r.label.into(),
                        format!("api.{}", r.domain),
                        format!("login.{}", r.domain),
                    ]
                })
                .collect(),
        ),
    }
}

pub fn whoami(format: OutputFormat, me: &Whoami) {
    let budget = &me.rate_budget;
    let organization = me
        .organization
        .as_ref()
        .and_then(|o| o.name.clone())
        .unwrap_or_default();
    match format {
        OutputFormat::Json => print_json(me),
        OutputFormat::Table => {
            outln!("organization: {organization}");
            outln!("environment:  {}", me.environment_label);
            outln!("client id:    {}", me.client_id);
            if let (Some(used), Some(allowed)) = (budget.used, budget.allowed) {
                outln!(
                    "rate budget:  {used}/{allowed} requests used, window resets in {} s",
                    budget.reset_seconds.unwrap_or(0)
                );
            }
        }
    }
}
