//! The monitor's own audit log: one JSON object per line for every poll cycle and every
//! flag change, rotated by size (`monitor.jsonl`, then `.1` … `.3`). Entries hold numbers
//! and ids only, never secrets or tokens.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub const DEFAULT_MAX_BYTES: u64 = 5 * 1024 * 1024;
const KEPT_FILES: u32 = 3;

pub struct AuditLog {
    path: PathBuf,
    max_bytes: u64,
    file: File,
    size: u64,
}

impl AuditLog {
    pub fn open(path: &Path, max_bytes: u64) -> std::io::Result<AuditLog> {
        let file = crate::private_files::open_append(path)?;
        let size = file.metadata()?.len();
        Ok(AuditLog {
            path: path.to_path_buf(),
            max_bytes: max_bytes.max(1024),
            file,
            size,
        })
    }

    pub fn write<T: Serialize>(&mut self, entry: &T) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        if self.size + line.len() as u64 > self.max_bytes && self.size > 0 {
            self.rotate()?;
        }
        self.file.write_all(&line)?;
        self.size += line.len() as u64;
        Ok(())
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        self.file.flush()?;
        for index in (1..KEPT_FILES).rev() {
            let from = rotated(&self.path, index);
            if from.exists() {
                std::fs::rename(&from, rotated(&self.path, index + 1))?;
            }
        }
        std::fs::rename(&self.path, rotated(&self.path, 1))?;
        self.file = crate::private_files::open_append(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

fn rotated(path: &Path, index: u32) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{index}"));
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_rotates_by_size_and_keeps_three_old_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("monitor.jsonl");
        let mut log = AuditLog::open(&path, 1024).unwrap();
        for n in 0..200 {
            log.write(&serde_json::json!({"cycle": n, "padding": "x".repeat(40)}))
                .unwrap();
        }
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "monitor.jsonl",
                "monitor.jsonl.1",
                "monitor.jsonl.2",
                "monitor.jsonl.3"
            ]
        );
        let current = std::fs::read_to_string(&path).unwrap();
        let last: serde_json::Value =
            serde_json::from_str(current.lines().last().unwrap()).unwrap();
        assert_eq!(last["cycle"], 199);
        assert!(std::fs::metadata(&path).unwrap().len() <= 1024);
    }
}
