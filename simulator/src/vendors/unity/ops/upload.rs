//! A candidate arrives: an uploaded image file (the HTTP upload), an image the array
//! downloaded itself (candidateSoftwareVersion's `prepare {"filename"}`), or the timeline's
//! `upload_candidate`. Its identity (version, build, build date) is the one the scenario
//! declares for that file in `unity.images`; an uploaded file the scenario does not declare
//! falls back to what a Unity image's name says (`Unity-5.3.0.0.5.120…`), built at upload
//! time. There is one candidate at a time, so a new one replaces the old, but not while a
//! session is active.

use axum::http::StatusCode;
use serde_json::Value;

use super::super::config::{self, Image};
use super::super::error::{self, UnityError};
use super::super::model::Model;
use crate::kernel::Core;

#[derive(Debug, Clone)]
pub enum UploadCandidate {
    /// A file uploaded in form field `filename`.
    File(String),
    /// `prepare`: an image already on the array (downloaded), by file name.
    Prepare(String),
    /// The timeline's `upload_candidate` (`version`, `build` default 100).
    Declared { version: String, build: u32 },
}

/// `Unity-5.3.0.0.5.120...` → ("5.3.0", 120).
pub fn parse_image_name(name: &str) -> Option<(String, u32)> {
    let rest = base_name(name).strip_prefix("Unity-")?;
    let nums: Vec<&str> = rest.split('.').take(6).collect();
    if nums.len() < 6
        || !nums
            .iter()
            .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let version = format!("{}.{}.{}", nums[0], nums[1], nums[2]);
    let build = nums[5].parse().ok()?;
    Some((version, build))
}

/// The file name without the client's directories.
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

fn bad_file(message: String) -> UnityError {
    UnityError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        error::UPGRADE_BAD_FILE,
        message,
    )
}

impl UploadCandidate {
    /// The timeline's `upload_candidate` (`version`, `build` default 100).
    pub fn from_args(args: &Value) -> Result<Self, String> {
        let version = args
            .get("version")
            .and_then(Value::as_str)
            .ok_or("needs 'version' (like 5.3.0)")?;
        if !config::valid_version(version) {
            return Err("version must be major.minor.patch".into());
        }
        let build = args.get("build").and_then(Value::as_u64).unwrap_or(100) as u32;
        Ok(UploadCandidate::Declared {
            version: version.to_string(),
            build,
        })
    }

    /// The job method and description this arrival is.
    pub fn job(&self) -> (&'static str, &'static str) {
        match self {
            UploadCandidate::Prepare(_) => ("prepare", "Prepare candidate"),
            _ => ("upload", "Upload candidate"),
        }
    }
}

impl Model {
    fn declared_image(&self, file: &str) -> Option<&Image> {
        let file = base_name(file);
        self.settings.images.iter().find(|i| i.file == file)
    }

    /// What the candidate is: (version, build, build date in Unix ms).
    fn identify(&self, core: &Core, u: &UploadCandidate) -> Result<(String, u32, i64), UnityError> {
        let now = core.clock.datetime().timestamp_millis();
        let declared = |i: &Image| (i.version.clone(), i.build, i.release_ms);
        match u {
            UploadCandidate::File(f) => self.declared_image(f).map(declared).map_or_else(
                || {
                    parse_image_name(f)
                        .map(|(v, b)| (v, b, now))
                        .ok_or_else(|| bad_file(format!("The uploaded file [{f}] is not a valid upgrade candidate (expected a signed image such as Unity-5.3.0.0.5.120.tgz.bin.gpg).")))
                },
                Ok,
            ),
            UploadCandidate::Prepare(f) => self.declared_image(f).map(declared).ok_or_else(|| {
                let known: Vec<&str> =
                    self.settings.images.iter().map(|i| i.file.as_str()).collect();
                bad_file(format!(
                    "No software image named [{f}] has been downloaded to the system; images available: {}.",
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                ))
            }),
            UploadCandidate::Declared { version, build } => Ok(self
                .settings
                .images
                .iter()
                .find(|i| &i.version == version && i.build == *build)
                .map_or((version.clone(), *build, now), declared)),
        }
    }

    /// Makes the candidate; its id.
    pub(super) fn upload(
        &mut self,
        core: &mut Core,
        u: UploadCandidate,
    ) -> Result<String, UnityError> {
        self.session_active(|id, status| {
            format!("A candidate cannot be uploaded while upgrade session {id} is {status}.")
        })?;
        let (version, build, release) = self.identify(core, &u)?;
        Ok(self.install_candidate(core, &version, build, release))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_give_version_and_build() {
        assert_eq!(
            parse_image_name("Unity-5.3.0.0.5.120.tgz.bin.gpg"),
            Some(("5.3.0".into(), 120))
        );
        assert_eq!(
            parse_image_name("/tmp/Unity-5.4.1.0.5.007.tgz.bin.gpg"),
            Some(("5.4.1".into(), 7))
        );
        assert_eq!(parse_image_name("notes.txt"), None);
    }
}
