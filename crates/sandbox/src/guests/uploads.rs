//! Attachments visitors upload and the flow sends, held as an upload store would hold
//! them: each under its id, with who may use it, what it was declared as and, once
//! uploaded and scanned, its bytes. The store is bounded in count and in bytes.

use std::collections::{HashMap, VecDeque};

/// Attachments kept at once.
pub(crate) const MAX_ATTACHMENTS: usize = 2_000;
/// Bytes of uploaded content kept at once; past it the oldest go first.
pub(crate) const MAX_STORED_BYTES: usize = 64 * 1024 * 1024;

/// Where an attachment is in the guest upload flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadState {
    /// A presigned URL was given; nothing was uploaded yet.
    Presigned,
    /// Uploaded and scanned clean: it may go in a message.
    Uploaded,
    /// Uploaded, but the scan refused it (the code of its `UploadFailureEvent`).
    Failed(u16),
}

#[derive(Debug, Clone)]
pub struct Attachment {
    /// The guest session it belongs to; no other may send or fetch it.
    pub token: String,
    pub file_name: String,
    /// The MIME type the visitor declared; the upload must carry it as `Content-Type`.
    pub file_type: String,
    pub declared_size: Option<u64>,
    /// The query value of its presigned URL.
    pub signature: String,
    /// The header the presigned URL was signed with, which the upload must send.
    pub tagging: String,
    pub state: UploadState,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Default)]
pub struct Uploads {
    attachments: HashMap<String, Attachment>,
    order: VecDeque<String>,
    stored_bytes: usize,
}

impl Uploads {
    pub fn get(&self, id: &str) -> Option<&Attachment> {
        self.attachments.get(id)
    }

    /// Keeps `attachment` under `id`, dropping the oldest past the bounds.
    pub fn insert(&mut self, id: String, attachment: Attachment) {
        self.remove(&id);
        self.stored_bytes += attachment.bytes.len();
        self.attachments.insert(id.clone(), attachment);
        self.order.push_back(id);
        while self.order.len() > MAX_ATTACHMENTS || self.stored_bytes > MAX_STORED_BYTES {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(gone) = self.attachments.remove(&oldest) {
                self.stored_bytes -= gone.bytes.len();
            }
        }
    }

    /// Records what the upload brought and what the scan made of it.
    pub fn store(&mut self, id: &str, bytes: Vec<u8>, state: UploadState) {
        let Some(mut attachment) = self.attachments.get(id).cloned() else {
            return;
        };
        attachment.bytes = bytes;
        attachment.state = state;
        self.insert(id.to_string(), attachment);
    }

    pub fn remove(&mut self, id: &str) -> Option<Attachment> {
        let gone = self.attachments.remove(id)?;
        self.stored_bytes -= gone.bytes.len();
        self.order.retain(|kept| kept != id);
        Some(gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attachment(bytes: usize) -> Attachment {
        Attachment {
            token: "t".into(),
            file_name: "a.png".into(),
            file_type: "image/png".into(),
            declared_size: Some(bytes as u64),
            signature: "s".into(),
            tagging: "x".into(),
            state: UploadState::Uploaded,
            bytes: vec![0; bytes],
        }
    }

    #[test]
    fn the_store_keeps_within_its_byte_bound_dropping_the_oldest() {
        let mut uploads = Uploads::default();
        let big = MAX_STORED_BYTES / 3 + 1;
        for n in 0..4 {
            uploads.insert(format!("a{n}"), attachment(big));
        }
        assert!(uploads.stored_bytes <= MAX_STORED_BYTES);
        assert!(uploads.get("a0").is_none() && uploads.get("a1").is_none());
        assert!(uploads.get("a3").is_some());
        uploads.remove("a3");
        assert_eq!(uploads.stored_bytes, big);
    }
}
