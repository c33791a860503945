//! A candidate upload: the version and build come from the image's file name (the HTTP
//! upload) or from the timeline's `upload_candidate`; there is one candidate at a time, so a
//! new one replaces the old, but not while a session is active.

use axum::http::StatusCode;
use serde_json::Value;

use super::super::config;
use super::super::error::{self, UnityError};
use super::super::model::Model;
use crate::kernel::Core;

#[derive(Debug, Clone)]
pub struct UploadCandidate {
    pub version: String,
    pub build: u32,
}

/// `Unity-5.3.0.0.5.120...` → ("5.3.0", 120).
pub fn parse_image_name(name: &str) -> Option<(String, u32)> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let rest = base.strip_prefix("Unity-")?;
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

impl UploadCandidate {
    /// The candidate an uploaded file is, by its name.
    pub fn from_file_name(file_name: &str) -> Result<Self, UnityError> {
        let Some((version, build)) = parse_image_name(file_name) else {
            return Err(UnityError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                error::UPGRADE_BAD_FILE,
                format!("The uploaded file [{file_name}] is not a valid upgrade candidate (expected a signed image such as Unity-5.3.0.0.5.120.tgz.bin.gpg)."),
            ));
        };
        Ok(UploadCandidate { version, build })
    }

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
        Ok(UploadCandidate {
            version: version.to_string(),
            build,
        })
    }
}

impl Model {
    pub(super) fn upload(&mut self, core: &mut Core, u: UploadCandidate) -> Result<(), UnityError> {
        self.session_active(|id, status| {
            format!("A candidate cannot be uploaded while upgrade session {id} is {status}.")
        })?;
        let release = core.clock.datetime().timestamp_millis();
        self.install_candidate(core, &u.version, u.build, release);
        Ok(())
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
