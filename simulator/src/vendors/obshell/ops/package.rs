//! The package upload (`POST /api/v1/upgrade/package`): the multipart field `file`, read from
//! the decrypted body, and the package registered by its file name (the real server reads the
//! RPM header; the simulator trusts the name). The answer is the stored package's record.

use axum::extract::{FromRequest, Multipart};
use axum::http::{header, HeaderValue, Request};
use futures_util::FutureExt;
use serde_json::{Map, Value};

use super::super::error::ObError;
use super::super::model::Model;
use super::super::wire::time_at;
use crate::kernel::Core;

/// One upload: the package's coordinates (from its file name) and its size.
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub version: String,
    pub release: String,
    pub arch: String,
    pub size: u64,
}

impl Upload {
    /// Reads the `file` field of a multipart `body` sent with `content_type`.
    pub fn parse(body: &[u8], content_type: Option<&HeaderValue>) -> Result<Self, ObError> {
        let (file, size) = file_field(body, content_type).map_err(|e| ObError::bind(&e))?;
        let Some((name, version, release, arch)) = parse_rpm(&file) else {
            return Err(ObError::bind(&format!(
                "'{file}' is not an rpm file name of the form <name>-<version>-<release>.<arch>.rpm"
            )));
        };
        Ok(Self {
            name,
            version,
            release,
            arch,
            size,
        })
    }

    /// Stores the package; returns its record.
    pub fn apply(&self, m: &mut Model, core: &mut Core) -> Value {
        let p = m.add_package(
            core,
            &self.name,
            &self.version,
            &self.release,
            &self.arch,
            self.size,
        );
        let release = &self.release;
        let (build, dist) = release.split_once('.').unwrap_or((release, ""));
        let mut o = Map::new();
        o.insert("PkgId".into(), p.pkg_id.into());
        o.insert("Name".into(), self.name.clone().into());
        o.insert("Version".into(), self.version.clone().into());
        o.insert("ReleaseDistribution".into(), release.clone().into());
        o.insert("Distribution".into(), dist.to_string().into());
        o.insert("Release".into(), build.to_string().into());
        o.insert("Architecture".into(), self.arch.clone().into());
        o.insert("Size".into(), self.size.into());
        o.insert("PayloadSize".into(), self.size.into());
        o.insert("ChunkCount".into(), 1.into());
        o.insert("Md5".into(), "".into());
        o.insert("UpgradeDepYaml".into(), "".into());
        o.insert("GmtModify".into(), time_at(core, core.now()).into());
        Value::Object(o)
    }
}

/// The file name and size of the multipart field `file`, with gin's words when there is none.
/// The body is in memory, so the multipart reader never waits: it is run to completion here,
/// under the world's lock, without an `.await`.
fn file_field(body: &[u8], content_type: Option<&HeaderValue>) -> Result<(String, u64), String> {
    let mut req = Request::new(axum::body::Body::from(body.to_vec()));
    if let Some(ct) = content_type {
        req.headers_mut().insert(header::CONTENT_TYPE, ct.clone());
    }
    let read = async {
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|e| format!("request Content-Type isn't multipart/form-data ({e})"))?;
        loop {
            match mp.next_field().await {
                Ok(Some(f)) if f.name() == Some("file") => {
                    let name = f.file_name().unwrap_or_default().to_string();
                    let size = f.bytes().await.map(|b| b.len() as u64).unwrap_or(0);
                    return Ok((name, size));
                }
                Ok(Some(_)) => {}
                Ok(None) => return Err("http: no such file".to_string()),
                Err(e) => return Err(format!("multipart: {e}")),
            }
        }
    };
    read.now_or_never()
        .unwrap_or_else(|| Err("multipart: the body ended early".into()))
}

/// Splits `obshell-4.2.1.1-101000062023110109.el7.x86_64.rpm` into name, version, release, arch.
pub fn parse_rpm(file: &str) -> Option<(String, String, String, String)> {
    let stem = file.strip_suffix(".rpm")?;
    let (rest, arch) = stem.rsplit_once('.')?;
    let (rest, release) = rest.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || !release.contains('.') {
        return None;
    }
    Some((name.into(), version.into(), release.into(), arch.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpm_names_split_into_their_coordinates() {
        assert_eq!(
            parse_rpm("oceanbase-ce-libs-4.2.1.1-101000062023110109.el7.x86_64.rpm"),
            Some((
                "oceanbase-ce-libs".into(),
                "4.2.1.1".into(),
                "101000062023110109.el7".into(),
                "x86_64".into()
            ))
        );
        assert_eq!(parse_rpm("notes.txt"), None);
    }

    #[test]
    fn the_file_field_is_read_without_waiting() {
        let body = "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.rpm\"\r\n\r\nXYZ\r\n--B--\r\n";
        let ct = HeaderValue::from_static("multipart/form-data; boundary=B");
        assert_eq!(
            file_field(body.as_bytes(), Some(&ct)),
            Ok(("a.rpm".into(), 3))
        );
    }
}
