//! Tauri commands: each takes state, calls one domain function, converts the error.

use tauri::State;

use super::{AppState, CommandError};
use crate::overview::{self, Overview};

#[tauri::command]
pub async fn load_overview(state: State<'_, AppState>) -> Result<Overview, CommandError> {
    Ok(overview::load(&state.client, &state.profile_name).await?)
}
