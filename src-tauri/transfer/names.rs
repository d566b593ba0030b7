//! File names made from what a server sent. Channel names and deployment ids come from
//! the org, and an org's host is input like any other: an id aimed at `../profiles.json`,
//! a name of ten thousand characters or two channels claiming one id must not decide
//! where a file goes or which file is replaced.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

/// The longest part of a file name taken from a channel's name, in characters: well
/// under every file system's 255-byte limit, even in four-byte UTF-8.
const MAX_SLUG_CHARS: usize = 48;

/// `name` as letters, digits, `-` and `_` only (anything else becomes `-`), at most
/// [`MAX_SLUG_CHARS`] long; `fallback` when nothing is left.
pub fn slug(name: &str, fallback: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(MAX_SLUG_CHARS)
        .collect();
    match cleaned.trim_matches('-') {
        "" => fallback.to_string(),
        trimmed => trimmed.to_string(),
    }
}

/// The export file of one channel: its name's slug, lower case, and the first group of
/// its deployment id, which must be a UUID.
pub fn channel_file_name(name: &str, deployment_id: &str) -> Result<String, String> {
    let id = uuid::Uuid::parse_str(deployment_id).map_err(|_| {
        format!(
            "the org sent a deployment id that is not a UUID ({:?}); it was not written",
            excerpt(deployment_id)
        )
    })?;
    let short = id.simple().to_string()[..8].to_string();
    Ok(format!(
        "{}-{short}.json",
        slug(name, "channel").to_lowercase()
    ))
}

/// Names handed out in one folder during one run: a second channel that would get a name
/// already used (the same name and id prefix, or the same id twice) gets `-2`, `-3`, …
/// instead of replacing the first one's file.
#[derive(Debug, Default)]
pub struct UniqueNames(HashSet<String>);

impl UniqueNames {
    pub fn claim(&mut self, file_name: &str) -> String {
        let (stem, extension) = file_name
            .rsplit_once('.')
            .map_or((file_name, ""), |(stem, ext)| (stem, ext));
        let mut candidate = file_name.to_string();
        let mut counter = 2;
        while !self.0.insert(candidate.to_lowercase()) {
            candidate = format!("{stem}-{counter}.{extension}");
            counter += 1;
        }
        candidate
    }
}

/// `directory/file_name`, when `file_name` is one plain name: no separator, no `..`, no
/// root or drive. Everything written under a chosen folder goes through here.
pub fn inside(directory: &Path, file_name: &str) -> Result<PathBuf, String> {
    let mut components = Path::new(file_name).components();
    match (components.next(), components.next()) {
        (Some(Component::Normal(_)), None) if !file_name.contains(['/', '\\']) => {
            Ok(directory.join(file_name))
        }
        _ => Err(format!(
            "{:?} is not a plain file name; nothing was written outside {}",
            excerpt(file_name),
            directory.display()
        )),
    }
}

/// At most 80 characters of a server's string, for messages.
fn excerpt(text: &str) -> String {
    text.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_letters_and_lose_separators() {
        assert_eq!(slug("Support Site / EU", "channel"), "Support-Site---EU");
        assert_eq!(slug("../../etc", "channel"), "etc");
        assert_eq!(slug("Café Ünïcode", "channel"), "Café-Ünïcode");
        assert_eq!(slug("///", "channel"), "channel");
        assert_eq!(slug(&"x".repeat(10_000), "channel").len(), MAX_SLUG_CHARS);
    }

    #[test]
    fn export_files_need_a_uuid_deployment_id() {
        assert_eq!(
            channel_file_name("Support Site / EU", "3fa85f64-5717-4562-b3fc-2c963f66afa6").unwrap(),
            "support-site---eu-3fa85f64.json"
        );
        for hostile in [
            "../../config/com.webmsgdesk.app/profiles",
            "/etc/passwd",
            "3fa85f64",
            "",
            "3fa85f64-5717-4562-b3fc-2c963f66afa6/../../x",
        ] {
            let refused = channel_file_name("Support", hostile).unwrap_err();
            assert!(refused.contains("not a UUID"), "{refused}");
        }
    }

    #[test]
    fn only_plain_names_join_a_folder() {
        let folder = Path::new("/exports");
        assert_eq!(
            inside(folder, "a-1.json").unwrap(),
            Path::new("/exports/a-1.json")
        );
        for hostile in [
            "../a.json",
            "/etc/passwd",
            "a/b.json",
            "a\\b.json",
            "..",
            ".",
            "",
        ] {
            assert!(inside(folder, hostile).is_err(), "{hostile}");
        }
    }

    #[test]
    fn a_name_used_twice_gets_a_counter() {
        let mut names = UniqueNames::default();
        assert_eq!(names.claim("a-1.json"), "a-1.json");
        assert_eq!(names.claim("a-1.json"), "a-1-2.json");
        assert_eq!(names.claim("A-1.json"), "A-1-3.json");
        assert_eq!(names.claim("index.json"), "index.json");
    }
}
