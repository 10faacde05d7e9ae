//! The user's standing video choices — which model set, which output route — shared between
//! whoever edits them (the plugin's editor, a restored plugin state, a CLI flag) and the engine
//! thread, which applies a new revision between frames. One path for every change: the engine
//! never has to be told twice or by two mechanisms.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::output::OutputRoute;

/// Longest Syphon/Spout sender name accepted; both frameworks store names in fixed buffers.
pub const MAX_SENDER_NAME_CHARS: usize = 63;

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct VideoChoice {
    /// A model-set folder; `None` uses the bundled default (`models/` in the resource dirs).
    pub model_dir: Option<PathBuf>,
    pub route: OutputRoute,
}

impl VideoChoice {
    /// Checks what serde cannot: a choice read from a saved state or typed by a user may name
    /// an empty folder or an unusable sender. The error says what to fix.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(dir) = &self.model_dir
            && dir.as_os_str().is_empty()
        {
            return Err("the model folder is empty; choose a folder or the bundled default".into());
        }
        match &self.route {
            OutputRoute::Syphon { name } | OutputRoute::Spout { name } => {
                validate_sender_name(name)
            }
            _ => Ok(()),
        }
    }
}

/// A Syphon/Spout sender name: 1 to [`MAX_SENDER_NAME_CHARS`] printable characters.
pub fn validate_sender_name(name: &str) -> Result<(), String> {
    let chars = name.chars().count();
    if name.trim().is_empty() {
        Err("the sender name is empty; VJ software lists senders by name".into())
    } else if chars > MAX_SENDER_NAME_CHARS {
        Err(format!(
            "the sender name has {chars} characters; at most {MAX_SENDER_NAME_CHARS} fit"
        ))
    } else if name.chars().any(char::is_control) {
        Err("the sender name contains control characters".into())
    } else {
        Ok(())
    }
}

/// A [`VideoChoice`] with a revision counter, so the engine thread can notice a change with
/// one atomic load per tick.
#[derive(Debug, Default)]
pub struct SharedVideoChoice {
    revision: AtomicU64,
    choice: Mutex<VideoChoice>,
}

impl SharedVideoChoice {
    pub fn new(choice: VideoChoice) -> Self {
        Self {
            revision: AtomicU64::new(0),
            choice: Mutex::new(choice),
        }
    }

    pub fn get(&self) -> VideoChoice {
        super::lock(&self.choice).clone()
    }

    /// Replaces the choice; the engine applies it between frames.
    pub fn set(&self, choice: VideoChoice) {
        *super::lock(&self.choice) = choice;
        self.revision.fetch_add(1, Ordering::Release);
    }

    /// Changes one part of the choice in place.
    pub fn update(&self, change: impl FnOnce(&mut VideoChoice)) {
        change(&mut super::lock(&self.choice));
        self.revision.fetch_add(1, Ordering::Release);
    }

    /// Bumped by every [`set`](Self::set) / [`update`](Self::update).
    pub fn revision(&self) -> u64 {
        self.revision.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_bumps_the_revision() {
        let shared = SharedVideoChoice::default();
        let start = shared.revision();
        shared.update(|c| c.route = OutputRoute::Off);
        assert_eq!(shared.get().route, OutputRoute::Off);
        shared.set(VideoChoice::default());
        assert_eq!(shared.revision(), start + 2);
    }

    #[test]
    fn bad_sender_names_and_empty_folders_are_refused() {
        let named = |name: &str| VideoChoice {
            route: OutputRoute::Spout { name: name.into() },
            ..VideoChoice::default()
        };
        assert!(named("Synesthete").validate().is_ok());
        assert!(named("  ").validate().is_err());
        assert!(named(&"x".repeat(64)).validate().is_err());
        assert!(named("a\nb").validate().is_err());
        let empty_dir = VideoChoice {
            model_dir: Some(PathBuf::new()),
            ..VideoChoice::default()
        };
        assert!(empty_dir.validate().is_err());
        assert!(VideoChoice::default().validate().is_ok());
    }
}
