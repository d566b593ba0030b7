//! Files and folders the app keeps for itself: profiles, settings, the local database
//! and the fallback log. They name the org's queues, channels and client ids, so on
//! Unix they are readable by their owner alone (0600 files in 0700 folders) whatever
//! the umask; on Windows the per-user profile folders already are.

use std::fs::{File, OpenOptions};
use std::path::Path;

/// `create_dir_all`, with any folder it creates private to the user, and the folder
/// itself made private when it already existed open to others (the log plugin, or an
/// older version, may have made the app's data folder before the app did).
pub fn create_dir_all(directory: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(directory)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(directory)?.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(directory, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// Options that create a file private to the user; an existing file keeps its mode.
pub fn open_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Opens `path` for appending, creating it (and its folder) private to the user.
pub fn open_append(path: &Path) -> std::io::Result<File> {
    if let Some(parent) = path.parent() {
        create_dir_all(parent)?;
    }
    open_options().create(true).append(true).open(path)
}

/// Renames an unreadable file to `<name>.corrupt-<UTC time>` beside it, so the app can
/// start afresh without destroying what the user may want to recover. Returns the new
/// path.
pub fn set_aside(path: &Path) -> std::io::Result<std::path::PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".corrupt-{stamp}"));
    let aside = path.with_file_name(name);
    std::fs::rename(path, &aside)?;
    Ok(aside)
}

/// Holds an exclusive lock on `directory/.{name}.lock` until the returned file is
/// dropped, for a read-modify-write of `name` that another window or a CLI run might
/// be doing at the same moment. Blocks while the other holder finishes.
pub fn lock_for_update(directory: &Path, name: &str) -> std::io::Result<File> {
    create_dir_all(directory)?;
    let lock = open_options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(directory.join(format!(".{name}.lock")))?;
    lock.lock()?;
    Ok(lock)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn created_folders_and_files_are_private_to_the_user() {
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("a/b/log.jsonl");
        open_append(&file).unwrap();
        assert_eq!(mode(&root.path().join("a")), 0o700);
        assert_eq!(mode(&root.path().join("a/b")), 0o700);
        assert_eq!(mode(&file), 0o600);
    }

    #[test]
    fn a_folder_others_could_read_is_made_private() {
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("com.webmsgdesk.app");
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        create_dir_all(&data).unwrap();
        assert_eq!(mode(&data), 0o700);
    }
}
