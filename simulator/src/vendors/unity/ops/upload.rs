//! A candidate arrives: an uploaded image file (the HTTP upload), an image the array
//! downloaded itself (candidateSoftwareVersion's `prepare {"filename"}`), or the timeline's
//! `upload_candidate`. A real array reads a candidate's identity from inside the signed
//! package, never from its file name, so here it comes from the upload's content or from the
//! scenario: an uploaded file that begins with an image header line
//! (`upgrade-sim-image version=5.4.0 build=7 release_date=2024-02-01T08:30:00Z`, see
//! [`IMAGE_HEADER`]) is what that line says; otherwise it must be one of `unity.images`,
//! which declares what is inside each file the array knows by name. Anything else is not a
//! candidate (422 `0x6101006`). There is one candidate at a time, so a new one replaces the
//! old, but not while a session is active.

use axum::http::StatusCode;
use serde_json::Value;

use super::super::config::{self, Image};
use super::super::error::{self, UnityError};
use super::super::model::Model;
use crate::kernel::Core;

/// The first word of an uploaded image's header line; `key=value` pairs follow (`version`,
/// `build`, `release_date`, all required), then a newline and the image's bytes.
pub const IMAGE_HEADER: &str = "upgrade-sim-image";
/// How much of an upload's content is kept to read its header.
pub const HEAD_BYTES: usize = 512;

#[derive(Debug, Clone)]
pub enum UploadCandidate {
    /// A file uploaded in form field `filename`: its name and its first [`HEAD_BYTES`] bytes.
    File { name: String, head: Vec<u8> },
    /// `prepare`: an image already on the array (downloaded), by file name.
    Prepare(String),
    /// The timeline's `upload_candidate` (`version`, `build` default 100, `release_date`
    /// default: a declared image's of that version and build, else the virtual now).
    Declared {
        version: String,
        build: u32,
        release_ms: Option<i64>,
    },
}

/// What an image header says: (version, build, build date in Unix ms). `None` when the
/// content does not begin with a header; `Err` when it does but the header is wrong.
pub fn read_header(head: &[u8]) -> Option<Result<(String, u32, i64), String>> {
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = std::str::from_utf8(line).ok()?.trim_end_matches('\r');
    let mut words = line.split_ascii_whitespace();
    if words.next() != Some(IMAGE_HEADER) {
        return None;
    }
    let (mut version, mut build, mut date) = (None, None, None);
    for word in words {
        match word.split_once('=') {
            Some(("version", v)) => version = Some(v),
            Some(("build", b)) => build = Some(b),
            Some(("release_date", d)) => date = Some(d),
            _ => {
                return Some(Err(format!(
                    "the image header has an unknown item [{word}]"
                )))
            }
        }
    }
    Some(header_identity(version, build, date))
}

fn header_identity(
    version: Option<&str>,
    build: Option<&str>,
    date: Option<&str>,
) -> Result<(String, u32, i64), String> {
    let version = version
        .filter(|v| config::valid_version(v))
        .ok_or("the image header needs version=major.minor.patch")?;
    let build = build
        .and_then(|b| b.parse::<u32>().ok())
        .ok_or("the image header needs build=<number>")?;
    let date = date
        .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
        .ok_or("the image header needs release_date=<RFC 3339 date>")?;
    Ok((version.to_string(), build, date.timestamp_millis()))
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
        let build = match args.get("build") {
            None => 100,
            Some(b) => b
                .as_u64()
                .and_then(|b| u32::try_from(b).ok())
                .ok_or("build must be a whole number")?,
        };
        let release_ms = match args.get("release_date") {
            None => None,
            Some(d) => Some(
                d.as_str()
                    .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
                    .ok_or("release_date must be an RFC 3339 date like 2024-02-01T08:30:00Z")?
                    .timestamp_millis(),
            ),
        };
        Ok(UploadCandidate::Declared {
            version: version.to_string(),
            build,
            release_ms,
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
            UploadCandidate::File { name, head } => match read_header(head) {
                Some(Ok(identity)) => Ok(identity),
                Some(Err(why)) => Err(bad_file(format!(
                    "The uploaded file [{name}] is not a valid upgrade candidate: {why}."
                ))),
                None => self.declared_image(name).map(declared).ok_or_else(|| {
                    bad_file(format!(
                        "The uploaded file [{name}] is not a valid upgrade candidate: it is not a signed software image this system can read (no image header, and not one of the scenario's unity.images)."
                    ))
                }),
            },
            UploadCandidate::Prepare(f) => self.declared_image(f).map(declared).ok_or_else(|| {
                let known: Vec<&str> =
                    self.settings.images.iter().map(|i| i.file.as_str()).collect();
                bad_file(format!(
                    "No software image named [{f}] has been downloaded to the system; images available: {}.",
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                ))
            }),
            UploadCandidate::Declared {
                version,
                build,
                release_ms,
            } => {
                let image_date = || {
                    self.settings
                        .images
                        .iter()
                        .find(|i| &i.version == version && i.build == *build)
                        .map(|i| i.release_ms)
                };
                let date = release_ms.or_else(image_date).unwrap_or(now);
                Ok((version.clone(), *build, date))
            }
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
    fn an_image_header_gives_version_build_and_date() {
        let head =
            b"upgrade-sim-image version=5.4.1 build=7 release_date=2024-02-01T08:30:00Z\r\nGPG";
        assert_eq!(
            read_header(head),
            Some(Ok(("5.4.1".into(), 7, 1_706_776_200_000)))
        );
        assert_eq!(read_header(b"GPGDATA"), None);
        assert!(matches!(
            read_header(b"upgrade-sim-image version=5.4 build=7 release_date=2024-02-01T08:30:00Z"),
            Some(Err(_))
        ));
        assert!(matches!(
            read_header(b"upgrade-sim-image version=5.4.0 build=7"),
            Some(Err(_))
        ));
    }
}
