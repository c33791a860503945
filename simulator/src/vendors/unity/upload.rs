//! `POST /upload/files/types/candidateSoftwareVersion`: a multipart upload whose form field
//! `filename` carries the candidate image (e.g. `Unity-5.3.0.0.5.120.tgz.bin.gpg`). The
//! version and build come from the file's name; the answer is 200 with an empty body, as on
//! a real array. There is one candidate at a time: a new upload replaces the old one.

use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::PathRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::auth::Caller;
use super::error::{self, UnityError};
use super::resources::path_or_404;
use crate::Sim;

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

pub async fn upload(
    caller: Caller,
    State(sim): State<Sim>,
    path: Result<Path<String>, PathRejection>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let name = match path_or_404(&caller, path) {
        Ok(n) => n,
        Err(r) => return r,
    };
    if name != "candidateSoftwareVersion" {
        return caller.error(UnityError::not_found());
    }
    let mut multipart = match multipart {
        Ok(m) => m,
        Err(e) => {
            return caller.error(UnityError::malformed_body(&format!(
                "an upload must be multipart/form-data with the file in form field 'filename' ({e})"
            )))
        }
    };
    let mut file_name = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let is_file = field.name() == Some("filename");
                let fname = field.file_name().map(str::to_string);
                // Drain the part; the image's bytes do not matter here.
                if field.bytes().await.is_err() {
                    return caller.error(UnityError::malformed_body(
                        "the multipart body is cut short",
                    ));
                }
                if is_file {
                    file_name = fname.or(Some(String::new()));
                }
            }
            Ok(None) => break,
            Err(e) => {
                return caller.error(UnityError::malformed_body(&format!(
                    "the multipart body cannot be read ({e})"
                )))
            }
        }
    }
    let Some(file_name) = file_name else {
        return caller.error(UnityError::incorrect_body(
            "The upload needs the candidate file in form field [filename].",
        ));
    };
    let Some((version, build)) = parse_image_name(&file_name) else {
        return caller.error(UnityError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            error::UPGRADE_BAD_FILE,
            format!("The uploaded file [{file_name}] is not a valid upgrade candidate (expected a signed image such as Unity-5.3.0.0.5.120.tgz.bin.gpg)."),
        ));
    };
    let w = &mut *sim.lock();
    let (core, model) = w.split::<super::Model>();
    if let Some(i) = model.active_session() {
        let s = &model.sessions[i];
        return caller.error(UnityError::new(
            StatusCode::CONFLICT,
            error::UPGRADE_SESSION_ACTIVE,
            format!(
                "A candidate cannot be uploaded while upgrade session {} is {}.",
                s.id, s.status
            ),
        ));
    }
    let release = core.clock.datetime().timestamp_millis();
    model.install_candidate(core, &version, build, release);
    caller.finish(StatusCode::OK.into_response())
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
