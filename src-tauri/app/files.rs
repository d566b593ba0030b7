//! Choosing files: the native save/open dialogs, or a fixed folder for automated tests.

use std::path::{Path, PathBuf};

use tauri::Runtime;

#[derive(Debug, Clone)]
pub enum FilePicker {
    Native,
    /// Saves go to `<folder>/<suggested name>`; opens take that file, or else the newest
    /// file of the wanted extension in the folder.
    Directory(PathBuf),
}

/// The newest file of `extension` in `folder`; `*` takes any file.
fn newest_with_extension(folder: &Path, extension: &str) -> Option<PathBuf> {
    std::fs::read_dir(folder)
        .ok()?
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_file())
        .filter(|entry| {
            extension == "*"
                || entry
                    .path()
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case(extension))
        })
        .max_by_key(|entry| entry.metadata().and_then(|m| m.modified()).ok())
        .map(|entry| entry.path())
}

impl FilePicker {
    /// `None` when the admin cancelled the dialog.
    pub async fn save<R: Runtime>(
        &self,
        app: &tauri::AppHandle<R>,
        suggested_name: &str,
        filter: (&str, &[&str]),
    ) -> Option<PathBuf> {
        match self {
            FilePicker::Directory(folder) => Some(folder.join(suggested_name)),
            FilePicker::Native => {
                use tauri_plugin_dialog::DialogExt;
                let (sender, receiver) = tokio::sync::oneshot::channel();
                app.dialog()
                    .file()
                    .set_file_name(suggested_name)
                    .add_filter(filter.0, filter.1)
                    .save_file(move |path| {
                        let _ = sender.send(path.and_then(|p| p.into_path().ok()));
                    });
                receiver.await.ok().flatten()
            }
        }
    }

    pub async fn open<R: Runtime>(
        &self,
        app: &tauri::AppHandle<R>,
        filter: (&str, &[&str]),
    ) -> Option<PathBuf> {
        match self {
            FilePicker::Directory(folder) => filter
                .1
                .first()
                .and_then(|extension| newest_with_extension(folder, extension)),
            FilePicker::Native if filter.1 == ["*"] => {
                // Any file: no filter, so the dialog shows everything.
                use tauri_plugin_dialog::DialogExt;
                let (sender, receiver) = tokio::sync::oneshot::channel();
                app.dialog().file().pick_file(move |path| {
                    let _ = sender.send(path.and_then(|p| p.into_path().ok()));
                });
                receiver.await.ok().flatten()
            }
            FilePicker::Native => {
                use tauri_plugin_dialog::DialogExt;
                let (sender, receiver) = tokio::sync::oneshot::channel();
                app.dialog()
                    .file()
                    .add_filter(filter.0, filter.1)
                    .pick_file(move |path| {
                        let _ = sender.send(path.and_then(|p| p.into_path().ok()));
                    });
                receiver.await.ok().flatten()
            }
        }
    }
}
