//! `POST /upload/files/types/candidateSoftwareVersion`: a multipart upload whose form field
//! `filename` carries the candidate image (e.g. `Unity-5.3.0.0.5.120.tgz.bin.gpg`). The
//! multipart body is read before the world is touched; the file's name becomes an
//! `UploadCandidate` operation. The answer is 200 with an empty body, as on a real array.

use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::PathRejection;
use axum::extract::{Multipart, Path};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::auth::Presented;
use super::error::UnityError;
use super::handler::serve;
use super::input::path_or_404;
use super::ops::{Operation, UploadCandidate};
use crate::engine::Exchange;

/// The name of the file in form field `filename`, reading (and dropping) every part.
async fn file_name(multipart: Result<Multipart, MultipartRejection>) -> Result<String, UnityError> {
    let mut multipart = multipart.map_err(|e| {
        UnityError::malformed_body(&format!(
            "an upload must be multipart/form-data with the file in form field 'filename' ({e})"
        ))
    })?;
    let mut file_name = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let is_file = field.name() == Some("filename");
                let fname = field.file_name().map(str::to_string);
                // Drain the part; the image's bytes do not matter here.
                if field.bytes().await.is_err() {
                    return Err(UnityError::malformed_body(
                        "the multipart body is cut short",
                    ));
                }
                if is_file {
                    file_name = fname.or(Some(String::new()));
                }
            }
            Ok(None) => break,
            Err(e) => {
                return Err(UnityError::malformed_body(&format!(
                    "the multipart body cannot be read ({e})"
                )))
            }
        }
    }
    file_name.ok_or_else(|| {
        UnityError::incorrect_body("The upload needs the candidate file in form field [filename].")
    })
}

pub async fn upload(
    ex: Exchange,
    who: Presented,
    path: Result<Path<String>, PathRejection>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let input = match path_or_404(path) {
        Ok(name) if name != "candidateSoftwareVersion" => Err(UnityError::not_found()),
        Ok(_) => file_name(multipart).await.map(UploadCandidate::File),
        Err(e) => Err(e),
    };
    serve(ex, who, input, |core, model, caller, u| {
        model.execute(core, Operation::Upload(u))?;
        Ok(caller.finish(StatusCode::OK.into_response()))
    })
}
