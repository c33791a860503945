//! `POST /upload/files/types/candidateSoftwareVersion`: a multipart upload whose form field
//! `filename` carries the candidate image (e.g. `Unity-5.3.0.0.5.120.tgz.bin.gpg`). The
//! multipart body is read before the world is touched, keeping only the file's name and the
//! first bytes of its content (where an image header says what the image is); they become an
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
use super::ops::{Operation, UploadCandidate, HEAD_BYTES};
use crate::engine::Exchange;

/// The file in form field `filename`: its name and the first [`HEAD_BYTES`] of its content,
/// reading (and dropping) every other part and the rest of the file.
async fn uploaded_file(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<UploadCandidate, UnityError> {
    let mut multipart = multipart.map_err(|e| {
        UnityError::malformed_body(&format!(
            "an upload must be multipart/form-data with the file in form field 'filename' ({e})"
        ))
    })?;
    let cut_short = || UnityError::malformed_body("the multipart body is cut short");
    let mut file = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(mut field)) => {
                let is_file = field.name() == Some("filename");
                let name = field.file_name().unwrap_or_default().to_string();
                let mut head = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|_| cut_short())? {
                    let room = HEAD_BYTES.saturating_sub(head.len());
                    head.extend_from_slice(&chunk[..room.min(chunk.len())]);
                }
                if is_file {
                    file = Some(UploadCandidate::File { name, head });
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
    file.ok_or_else(|| {
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
        Ok(_) => uploaded_file(multipart).await,
        Err(e) => Err(e),
    };
    serve(ex, who, input, |core, model, caller, u| {
        model.execute(core, Operation::Upload(u))?;
        Ok(caller.finish(StatusCode::OK.into_response()))
    })
}
