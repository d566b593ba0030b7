//! A visitor's file on its way through the guest attachment flow: what it is (name,
//! type from its extension as the official SDK resolves it, size), and the `PUT` of its
//! bytes to the presigned URL the service gave.
//!
//! The URL is what a server sent, so it is input: only `https`, or plain `http` to a
//! loopback host (the Sandbox), is reached; redirects are not followed; the admin
//! credential is never sent; and no more bytes than the file's size are read.

use std::path::Path;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::time::Instant;

/// Where an attachment is, as the visitor has heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadProgress {
    /// `onAttachment` sent (with this tracing id); no answer yet.
    Asked {
        tracing_id: String,
    },
    Presigned {
        url: String,
        headers: Vec<(String, String)>,
    },
    Uploaded,
    Refused {
        code: u64,
        text: String,
    },
}

/// Longest the upload's `PUT` may take, whatever the step allows.
const LONGEST_PUT: Duration = Duration::from_secs(120);
/// Largest file read: the most any deployment accepts is 10 MB; a larger one is declared
/// by size and refused before upload, never read.
const LARGEST_READ: u64 = 64 * 1024 * 1024;

#[derive(Debug)]
pub struct LocalFile {
    path: std::path::PathBuf,
    pub name: String,
    pub mime: String,
    pub size: u64,
}

impl LocalFile {
    /// Looks at the file without reading it; the error says what is wrong with it.
    pub async fn open(path: &Path) -> Result<LocalFile, String> {
        let metadata = tokio::fs::metadata(path)
            .await
            .map_err(|e| format!("{} cannot be read: {e}", path.display()))?;
        if !metadata.is_file() {
            return Err(format!("{} is not a file", path.display()));
        }
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .ok_or_else(|| format!("{} has no file name", path.display()))?;
        let mime = mime_guess::from_path(path)
            .first_or_octet_stream()
            .essence_str()
            .to_string();
        Ok(LocalFile {
            path: path.to_path_buf(),
            name,
            mime,
            size: metadata.len(),
        })
    }

    /// `12.3 KB`, as the transcript shows it.
    pub fn shown_size(&self) -> String {
        match self.size {
            0..1024 => format!("{} bytes", self.size),
            size => format!("{:.1} KB", size as f64 / 1024.0),
        }
    }

    /// Uploads the bytes to `url` with the headers it was signed with.
    pub async fn put(
        &self,
        url: &str,
        headers: &[(String, String)],
        until: Instant,
    ) -> Result<(), String> {
        let target = upload_target(url)?;
        if self.size > LARGEST_READ {
            return Err(format!("{} is larger than {LARGEST_READ} bytes", self.name));
        }
        let mut bytes = Vec::with_capacity(self.size as usize);
        tokio::fs::File::open(&self.path)
            .await
            .map_err(|e| format!("{} cannot be read: {e}", self.path.display()))?
            .take(self.size)
            .read_to_end(&mut bytes)
            .await
            .map_err(|e| format!("{} cannot be read: {e}", self.path.display()))?;
        let timeout = until
            .saturating_duration_since(Instant::now())
            .min(LONGEST_PUT);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .build()
            .map_err(|e| format!("the upload could not start: {e}"))?;
        let mut request = client
            .put(target)
            .header(reqwest::header::CONTENT_TYPE, &self.mime)
            .body(bytes);
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("the upload failed: {e}"))?;
        match response.status() {
            status if status.is_success() => Ok(()),
            status => Err(format!("the upload URL answered HTTP {}", status.as_u16())),
        }
    }
}

/// The presigned URL, if it is one a visitor may reach.
fn upload_target(url: &str) -> Result<url::Url, String> {
    let parsed = url::Url::parse(url).map_err(|_| "the upload URL is not a URL".to_string())?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" if parsed.host().is_some() => Ok(parsed),
        "http" if loopback => Ok(parsed),
        _ => Err(format!(
            "the upload URL {} is neither https nor on this machine",
            parsed.origin().ascii_serialization()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_upload_urls_are_reached() {
        assert!(upload_target("https://uploads.example.com/a?sig=1").is_ok());
        assert!(upload_target("http://127.0.0.1:4000/uploads/a").is_ok());
        assert!(upload_target("http://[::1]:4000/uploads/a").is_ok());
        for refused in [
            "http://uploads.example.com/a",
            "file:///etc/passwd",
            "ftp://127.0.0.1/a",
            "not a url",
        ] {
            assert!(upload_target(refused).is_err(), "{refused}");
        }
    }

    #[tokio::test]
    async fn a_file_is_named_typed_and_sized_from_its_extension_and_metadata() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("receipt.PNG");
        std::fs::write(&path, vec![0u8; 2048]).unwrap();
        let file = LocalFile::open(&path).await.unwrap();
        assert_eq!(
            (file.name.as_str(), file.mime.as_str(), file.size),
            ("receipt.PNG", "image/png", 2048)
        );
        assert_eq!(file.shown_size(), "2.0 KB");
        let missing = LocalFile::open(&folder.path().join("gone.png")).await;
        assert!(missing.unwrap_err().contains("cannot be read"));
        assert!(LocalFile::open(folder.path())
            .await
            .unwrap_err()
            .contains("is not a file"));
    }
}
