//! The package store's routes: the upload (`POST /api/v1/upgrade/package`, 4.2.6 and HEAD
//! `api/obcluster_handler.go` `pkgUploadHandler` → `executor/ob/upgrade_pkg_upload.go`
//! `UpgradePkgUpload`), and HEAD's `GET /api/v1/upgrade/package/info` (`pkgInfoHandler` →
//! `upgrade_pkg_info.go`) and `DELETE /api/v1/upgrade/package/{id}` (`pkgDeleteHandler` →
//! `upgrade_pkg_delete.go`). An upload is judged from the RPM itself (`rpm`): its header,
//! its digest, its file list and, for a newer `oceanbase-ce`, the route YAML in its payload,
//! with each profile's error texts; the answer is the stored `UpgradePkgInfo` row.

use axum::extract::{FromRequest, Multipart};
use axum::http::{header, HeaderValue, Request};
use futures_util::FutureExt;
use serde_json::{Map, Value};

use super::super::cluster::{compare_versions, Package};
use super::super::config::Profile;
use super::super::error::ObError;
use super::super::model::Model;
use super::super::rpm::{self, Rpm};
use super::super::wire::{time_at, GO_ZERO_TIME};
use crate::kernel::Core;

/// `constant.CHUNK_SIZE`: 4.2.6 `1024*1024*16 - 1`, HEAD `1024*1024*8 - 1`.
fn chunk_size(p: Profile) -> u64 {
    match p {
        Profile::Legacy => 1024 * 1024 * 16 - 1,
        Profile::Current => 1024 * 1024 * 8 - 1,
    }
}

/// One upload: the bytes of the multipart field `file`, or why gin's `FormFile` found none.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file: Result<Vec<u8>, FormFileError>,
}

/// `c.Request.FormFile("file")`'s error, with its Go type (4.2.6 prints it with `%v` as an
/// extra argument, so the type shows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormFileError {
    pub go_type: &'static str,
    pub text: String,
}

impl Upload {
    /// Reads the `file` field of a multipart `body` sent with `content_type`.
    pub fn parse(body: &[u8], content_type: Option<&HeaderValue>) -> Self {
        Self {
            file: file_field(body, content_type),
        }
    }

    /// The real server's checks, then the new row; its record as the answer.
    pub fn apply(&self, m: &mut Model, core: &mut Core) -> Result<Value, ObError> {
        let p = m.profile;
        let bytes = self.file.as_ref().map_err(form_file)?;
        let (rpm, dep) = check(m, bytes).map_err(Refusal::into_error)?;
        // `DumpUpgradePkgInfoAndChunkTx`: `strings.Split(release, ".")[1]` panics on a release
        // without a dot (only the diagnostic tool gets there unchecked).
        let mut parts = rpm.release.split('.');
        let (Some(build), Some(dist)) = (parts.next(), parts.next()) else {
            return Err(ObError::panic());
        };
        let payload = rpm.payload_size;
        let stored = m.add_package(
            core,
            Package {
                name: rpm.name.clone(),
                version: rpm.version.clone(),
                release: rpm.release.clone(),
                arch: rpm.arch.clone(),
                size: rpm.size,
                payload_size: payload,
                chunk_count: payload.div_ceil(chunk_size(p)),
                md5: rpm.md5.clone(),
                upgrade_dep_yaml: dep,
                ..Package::default()
            },
        );
        let mut o = record(&stored, build, dist);
        // gorm's Create on MySQL reads back only the key: the `CURRENT_TIMESTAMP` default of
        // GmtModify never reaches the struct the handler renders.
        o.insert("GmtModify".into(), GO_ZERO_TIME.into());
        Ok(Value::Object(o))
    }
}

/// The row as the upload renders it (`oceanbase.UpgradePkgInfo`, no json tags).
fn record(p: &Package, build: &str, dist: &str) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("PkgId".into(), p.pkg_id.into());
    o.insert("Name".into(), p.name.clone().into());
    o.insert("Version".into(), p.version.clone().into());
    o.insert("ReleaseDistribution".into(), p.release.clone().into());
    o.insert("Distribution".into(), dist.into());
    o.insert("Release".into(), build.into());
    o.insert("Architecture".into(), p.arch.clone().into());
    o.insert("Size".into(), p.size.into());
    o.insert("PayloadSize".into(), p.payload_size.into());
    o.insert("ChunkCount".into(), p.chunk_count.into());
    o.insert("Md5".into(), p.md5.clone().into());
    o.insert("UpgradeDepYaml".into(), p.upgrade_dep_yaml.clone().into());
    o
}

/// A row as HEAD's `bo.UpgradePkgInfo` (snake case; `ToBO` leaves the YAML out).
fn bo(p: &Package, gmt_modify: Value) -> Value {
    let mut parts = p.release.split('.');
    let mut o = Map::new();
    o.insert("pkg_id".into(), p.pkg_id.into());
    o.insert("name".into(), p.name.clone().into());
    o.insert("version".into(), p.version.clone().into());
    o.insert("release_distribution".into(), p.release.clone().into());
    let build = parts.next().unwrap_or_default();
    o.insert(
        "distribution".into(),
        parts.next().unwrap_or_default().into(),
    );
    o.insert("release".into(), build.into());
    o.insert("architecture".into(), p.arch.clone().into());
    o.insert("size".into(), p.size.into());
    o.insert("payload_size".into(), p.payload_size.into());
    o.insert("chunk_count".into(), p.chunk_count.into());
    o.insert("md5".into(), p.md5.clone().into());
    o.insert("upgrade_dep_yaml".into(), "".into());
    o.insert("gmt_modify".into(), gmt_modify);
    Value::Object(o)
}

/// HEAD `POST /api/v1/package` (`api/agent_route.go`: the `pkg` group, `VerifyFile` and no
/// `Verify`; `api/obcluster_handler.go` `newPkgUploadHandler`): the body is not encrypted;
/// `VerifyFile` reads the `file` field, decrypts `X-OCS-File-SHA256` with the agent's key and
/// compares it with the file's SHA-256 (hex); then the upload as `POST /upgrade/package`,
/// answered through `ToBO`.
#[derive(Debug, Clone)]
pub struct NewUpload {
    pub upload: Upload,
    /// The header as sent ("" when absent).
    pub file_sha256: String,
}

impl NewUpload {
    pub fn apply(&self, m: &mut Model, core: &mut Core) -> Result<Value, ObError> {
        use sha2::Digest;
        let bytes = self.upload.file.as_ref().map_err(form_file)?;
        let accept = super::super::auth::decrypt_text(&self.file_sha256)
            .map_err(|e| ObError::file_sha256_undecryptable(&e))?;
        if accept != hex::encode(sha2::Sha256::digest(bytes)) {
            return Err(ObError::file_sha256_mismatch());
        }
        self.upload.apply(m, core)?;
        let stored = m.packages.last().ok_or_else(ObError::panic)?;
        Ok(bo(stored, GO_ZERO_TIME.into()))
    }
}

/// HEAD `GetAllUpgradePkgInfos`: newest first, one per `name-version-release.arch`, as
/// `bo.UpgradePkgInfo` (snake case; `ToBO` leaves the YAML out).
pub fn info(m: &Model, core: &Core) -> Value {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for p in m.packages.iter().rev() {
        let key = p.rpm();
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        out.push(bo(p, time_at(core, p.uploaded_at).into()));
    }
    serde_json::json!({ "contents": out })
}

/// HEAD `pkgDeleteHandler`: the id as `strconv.Atoi` reads it, `pkg_id <= 0` refused; deleting
/// an id that is not there deletes nothing and succeeds.
pub fn delete(m: &mut Model, id: &str) -> Result<(), ObError> {
    let n: i64 = id.parse().map_err(|_| {
        let msg = format!(
            "Query parameter 'id' is illegal%!(EXTRA string=strconv.Atoi: parsing \"{id}\": invalid syntax)"
        );
        ObError::new(
            (400, "Request.Query.Param.Illegal", None, msg.clone()),
            (400, 1001, msg),
        )
    })?;
    if n <= 0 {
        let msg = "Path parameter 'pkg_id' is empty".to_string();
        return Err(ObError::new(
            (400, "Request.Path.Param.Empty", None, msg.clone()),
            (400, 1001, msg),
        ));
    }
    m.packages.retain(|p| p.pkg_id as i64 != n);
    Ok(())
}

/// A refusal of `CheckUpgradePkg`, in both generations' words.
#[derive(Debug, Clone)]
struct Refusal {
    /// 4.2.6: a plain error, wrapped in `ErrKnown` (500, 1010, "Known error: …").
    legacy: String,
    /// HEAD: the status, errCode and message (a plain error is `Common.Unexpected` with the
    /// error's text as the message).
    current: (u16, &'static str, String),
}

impl Refusal {
    fn plain(text: String) -> Self {
        Self {
            current: (500, "Common.Unexpected", text.clone()),
            legacy: text,
        }
    }

    fn into_error(self) -> ObError {
        let (status, code, message) = self.current;
        ObError::new(
            (status, code, None, message),
            (500, 1010, format!("Known error: {}", self.legacy)),
        )
    }
}

const VERSION_WRAP: &str = "failed to check version and release";

/// `CheckUpgradePkg(forUpload = true)` on a community cluster: read the RPM, then by its name
/// the version and release, the files, and for a newer `oceanbase-ce` the route YAML.
fn check(m: &Model, bytes: &[u8]) -> Result<(Rpm, String), Refusal> {
    let r = rpm::read(bytes).map_err(Refusal::plain)?;
    let supported = "obshell, oceanbase-ce, oceanbase-ce-libs";
    let unsupported = || Refusal {
        legacy: format!(
            "unsupported name '{}', the supported name are [{supported}]",
            r.name
        ),
        current: (
            400,
            "OB.Package.Name.NotSupport",
            format!(
                "Unsupported name '{}', the supported names are [{supported}]",
                r.name
            ),
        ),
    };
    let missing = |files: &[&str], legacy: String| Refusal {
        legacy,
        current: (
            500,
            "OB.Package.MissingFile",
            format!(
                "These files are missing in package '{}': '[{}]'",
                r.name,
                files.join(" ")
            ),
        ),
    };
    let expect = |want: &[&str]| -> Result<(), Refusal> {
        let gone: Vec<&str> = want.iter().copied().filter(|f| !r.has_file(f)).collect();
        if gone.is_empty() {
            return Ok(());
        }
        let legacy = format!("these files are missing: '[{}]'", gone.join(" "));
        Err(missing(&gone, legacy))
    };
    match r.name.as_str() {
        "obshell" => {
            check_version(&r)?;
            expect(&[rpm::OBSHELL_BIN])?;
            Ok((r, String::new()))
        }
        "oceanbase-ce" => {
            let build = check_version(&r)?;
            let mut want = vec![rpm::OBSERVER_BIN, rpm::OBSHELL_BIN];
            let newer = compare_versions(&format!("{}-{build}", r.version), &m.ob_full_version())
                == std::cmp::Ordering::Greater
                && r.version != m.ob_version;
            if newer {
                want.extend(rpm::UPGRADE_FILES);
            }
            expect(&want)?;
            if !newer {
                return Ok((r, String::new()));
            }
            dep_yaml(&r).map(|dep| (r, dep))
        }
        "oceanbase-ce-libs" => {
            check_version(&r)?;
            if r.has_dir(rpm::LIB_DIR) {
                return Ok((r, String::new()));
            }
            Err(Refusal {
                legacy: "dir not found".into(),
                current: (
                    500,
                    "OB.Package.MissingFile",
                    format!(
                        "These files are missing in package '{}': '{}'",
                        r.name,
                        rpm::LIB_DIR
                    ),
                ),
            })
        }
        // HEAD takes the diagnostic tool without a look; 4.2.6 does not know it.
        "oceanbase-diagnostic-tool" if m.profile == Profile::Current => Ok((r, String::new())),
        _ => Err(unsupported()),
    }
}

/// `checkVersion` (wrapped by its callers): the release splits on dots into at least two
/// parts, and the version is at least 4.2.0.0. Returns the build number.
fn check_version(r: &Rpm) -> Result<String, Refusal> {
    let parts: Vec<&str> = r.release.split('.').collect();
    if parts.len() < 2 {
        return Err(Refusal {
            legacy: format!("{VERSION_WRAP}: release format {} is illegal", r.release),
            current: (
                400,
                "Package.ReleaseFormat.Invalid",
                format!("{VERSION_WRAP}: Release format {} is illegal", r.release),
            ),
        });
    }
    if compare_versions(&r.version, "4.2.0.0") == std::cmp::Ordering::Less {
        return Err(Refusal {
            legacy: format!(
                "{VERSION_WRAP}: unsupported version '{}', the minimum supported version is '4.2.0.0'",
                r.version
            ),
            current: (
                400,
                "Agent.OBVersionNotSupported",
                format!(
                    "{VERSION_WRAP}: Unsupported OB version '{}', the minimum supported version is '4.2.0.0'",
                    r.version
                ),
            ),
        });
    }
    Ok(parts[0].to_string())
}

/// `GetUpgradeDepYml`: xz and cpio only, then the YAML's text ("" when the file is absent).
fn dep_yaml(r: &Rpm) -> Result<String, Refusal> {
    if r.compression != "xz" {
        return Err(Refusal {
            legacy: format!(
                "unsupported compression '{}', the supported compression is 'xz'",
                r.compression
            ),
            current: (
                400,
                "Package.Compression.NotSupported",
                format!(
                    "Unsupported compression '{}', the supported compression is 'xz'",
                    r.compression
                ),
            ),
        });
    }
    if r.format != "cpio" {
        return Err(Refusal {
            legacy: format!(
                "unsupported payload format '{}', the supported payload format is 'cpio'",
                r.format
            ),
            current: (
                400,
                "Package.Format.Invalid",
                format!(
                    "Unsupported payload format '{}', the supported payload format is 'cpio'",
                    r.format
                ),
            ),
        });
    }
    r.file_content(rpm::UPGRADE_DEP_YAML)
        .map(Option::unwrap_or_default)
        .map_err(Refusal::plain)
}

/// `FormFile`'s error as each handler reports it: 4.2.6 `Occur(ErrKnown, "get file failed.",
/// err)` (one verb, so Go appends the extra argument), HEAD `ErrRequestFileMissing`.
fn form_file(e: &FormFileError) -> ObError {
    ObError::new(
        (
            500,
            "Request.File.Missing",
            None,
            format!("File 'file' in the request is missing: {}", e.text),
        ),
        (
            500,
            1010,
            format!(
                "Known error: get file failed.%!(EXTRA {}={})",
                e.go_type, e.text
            ),
        ),
    )
}

/// The bytes of the multipart field `file`, or `FormFile`'s error. The body is in memory, so
/// the multipart reader never waits: it is run to completion here, under the world's lock,
/// without an `.await`.
fn file_field(body: &[u8], content_type: Option<&HeaderValue>) -> Result<Vec<u8>, FormFileError> {
    let not_multipart = || FormFileError {
        go_type: "*http.ProtocolError",
        text: "request Content-Type isn't multipart/form-data".into(),
    };
    let is_multipart = content_type
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(not_multipart());
    }
    let mut req = Request::new(axum::body::Body::from(body.to_vec()));
    if let Some(ct) = content_type {
        req.headers_mut().insert(header::CONTENT_TYPE, ct.clone());
    }
    let broken = |e: String| FormFileError {
        go_type: "*errors.errorString",
        text: e,
    };
    let read = async {
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|_| not_multipart())?;
        loop {
            match mp.next_field().await {
                Ok(Some(f)) if f.name() == Some("file") && f.file_name().is_some() => {
                    return f
                        .bytes()
                        .await
                        .map(|b| b.to_vec())
                        .map_err(|e| broken(format!("multipart: {e}")));
                }
                Ok(Some(_)) => {}
                Ok(None) => return Err(broken("http: no such file".into())),
                Err(e) => return Err(broken(format!("multipart: {e}"))),
            }
        }
    };
    read.now_or_never()
        .unwrap_or_else(|| Err(broken("unexpected EOF".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_field_is_read_without_waiting() {
        let body = "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.rpm\"\r\n\r\nXYZ\r\n--B--\r\n";
        let ct = HeaderValue::from_static("multipart/form-data; boundary=B");
        assert_eq!(file_field(body.as_bytes(), Some(&ct)), Ok(b"XYZ".to_vec()));
        let none = "--B\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nXYZ\r\n--B--\r\n";
        assert_eq!(
            file_field(none.as_bytes(), Some(&ct)).unwrap_err().text,
            "http: no such file"
        );
        assert_eq!(
            file_field(b"{}", None).unwrap_err().go_type,
            "*http.ProtocolError"
        );
    }
}
