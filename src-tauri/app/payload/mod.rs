//! What the window receives: types of its own, built `From` the domain's. Renaming a
//! domain field is then a compile error in a `From` here, never a silent change of what
//! the page reads; every field name below is pinned against `ui/js` by
//! `tests/api/ui_contract.rs`.
//!
//! Shapes the command line prints with `--json` too (publish outcomes, reports, rules,
//! samples, drive transcripts) are published already and travel as they are.

mod channels;
mod events;
mod form;
mod profiles;
mod visitor;
mod watch;

pub use channels::{ChannelDetail, EditorOptions, ExportedChannel, Overview, Progress};
pub use events::{ResumedWatch, RunningWork, WorkspaceEvent};
pub use form::ChannelForm;
pub use profiles::{ConnectionTest, Profiles};
pub use visitor::{Canary, ChosenFile, Live, OpenSynthetic};
pub use watch::{FallbackPanel, Metrics, Monitor, PromotionPlan};

/// An id and the name people know it by (a queue, a flow, a configuration).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Named {
    pub id: String,
    pub name: String,
}

impl From<&crate::application::channels::NamedItem> for Named {
    fn from(item: &crate::application::channels::NamedItem) -> Self {
        Named {
            id: item.id.clone(),
            name: item.name.clone(),
        }
    }
}

fn all<'a, T: 'a, P: From<&'a T>>(items: impl IntoIterator<Item = &'a T>) -> Vec<P> {
    items.into_iter().map(P::from).collect()
}
