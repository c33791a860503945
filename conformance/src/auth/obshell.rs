//! OBShell auth as the obshell Python SDK does it (vendor notes obshell.md §3):
//! v1 `X-OCS-Auth: base64(RSA_PKCS1v15(pub, {"password": pw, "ts": <int expiry>}))` with a
//! plain body; v2 `X-OCS-Header: base64(concat(RSA_PKCS1v15(pub, 53-byte chunks of
//! {"auth","ts","uri","keys"})))` with the body AES-128-CBC encrypted under the random key and
//! IV sent in `keys`, then base64. The public key comes from `GET /api/v1/secret`; `auto` asks
//! `GET /api/v1/info` for `supportedAuth` first.
//!
//! Spoilers a case may set in `auth:` to test rejections: `password`, `uri` (sign another
//! URI), `ts_offset` (seconds from now; default 60, 600 for a multipart upload as the SDK's
//! `upload_pkg`; negative = expired), `ts_numeric: true`
//! (v2 with an integer ts), `header` (header name), `plain_body: true` (v2 without encrypting),
//! `file_sha256: <hex>` (v2: send it RSA-sealed as `X-OCS-File-SHA256`, for HEAD's
//! `POST /api/v1/package`).

use super::{AuthSpec, Credentials, Http, Incoming, Outgoing};
use aes::cipher::{block_padding::Pkcs7, BlockEncryptMut, KeyIvInit};
use anyhow::{anyhow, Context};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::{Pkcs1v15Encrypt, RsaPublicKey};
use serde_json::Value;

/// Cached per case: the scheme `auto` chose and the agent's public key.
#[derive(Debug, Default)]
pub struct State {
    pub scheme: Option<String>,
    pub key: Option<RsaPublicKey>,
}

/// The SDK's chunk size: 64 − 11 bytes, fixed for the 512-bit keys of 4.2.x.
const CHUNK: usize = 53;
/// The SDK's auth lifetime in seconds.
const LIFETIME: i64 = 60;
/// `upload_pkg`'s lifetime: it signs its multipart upload with `lifetime = 600` (obshell
/// 0.0.9 `service/client_v1.py`), the only multipart request the SDK sends.
const UPLOAD_LIFETIME: i64 = 600;

pub async fn send(
    http: &Http,
    creds: &Credentials,
    state: &mut State,
    spec: &AuthSpec,
    mut req: Outgoing,
) -> anyhow::Result<(Outgoing, Incoming)> {
    let scheme = match spec
        .mode
        .clone()
        .or_else(|| creds.obshell.auth.clone())
        .unwrap_or_else(|| "auto".into())
        .as_str()
    {
        "v1" => "v1".to_string(),
        "v2" => "v2".to_string(),
        "auto" => match &state.scheme {
            Some(s) => s.clone(),
            None => {
                let s = negotiate(http).await?;
                state.scheme = Some(s.clone());
                s
            }
        },
        other => {
            return Err(anyhow!(
                "unknown obshell auth mode '{other}' (use v1, v2 or auto)"
            ))
        }
    };
    let key = match &state.key {
        Some(k) => k.clone(),
        None => {
            let k = public_key(http).await?;
            state.key = Some(k.clone());
            k
        }
    };
    let password = spec
        .text("password")
        .or_else(|| creds.obshell.password.clone())
        .ok_or_else(|| {
            super::missing(
                "obshell",
                "password",
                "UPGRADE_CONFORMANCE_OBSHELL_PASSWORD",
            )
        })?;
    let is_upload = req
        .header("Content-Type")
        .is_some_and(|c| c.to_ascii_lowercase().starts_with("multipart/form-data"));
    let lifetime = if is_upload { UPLOAD_LIFETIME } else { LIFETIME };
    let ts = chrono::Utc::now().timestamp() + spec.number("ts_offset").unwrap_or(lifetime);
    if scheme == "v1" {
        let plain = format!(
            "{{\"password\": {}, \"ts\": {ts}}}",
            Value::from(password.as_str())
        );
        let sealed = rsa_chunks(&key, plain.as_bytes())?;
        let name = spec.text("header").unwrap_or_else(|| "X-OCS-Auth".into());
        req.set_header(&name, B64.encode(sealed));
    } else {
        let aes_key: [u8; 16] = rand::random();
        let aes_iv: [u8; 16] = rand::random();
        let mut keys = aes_key.to_vec();
        keys.extend_from_slice(&aes_iv);
        let uri = spec.text("uri").unwrap_or_else(|| req.target.clone());
        let ts_json = if spec.flag("ts_numeric") == Some(true) {
            Value::from(ts)
        } else {
            Value::from(ts.to_string())
        };
        let header = format!(
            "{{\"auth\": {}, \"ts\": {}, \"uri\": {}, \"keys\": {}}}",
            Value::from(password.as_str()),
            ts_json,
            Value::from(uri),
            Value::from(B64.encode(&keys))
        );
        let sealed = rsa_chunks(&key, header.as_bytes())?;
        let name = spec.text("header").unwrap_or_else(|| "X-OCS-Header".into());
        req.set_header(&name, B64.encode(sealed));
        // HEAD's `POST /api/v1/package` (`VerifyFile`): the file's SHA-256 hex, sealed with the
        // agent's key, as the web console sends it beside its unencrypted form.
        if let Some(sum) = spec.text("file_sha256") {
            req.set_header(
                "X-OCS-File-SHA256",
                B64.encode(rsa_chunks(&key, sum.as_bytes())?),
            );
        }
        if !req.body.is_empty() && spec.flag("plain_body") != Some(true) {
            req.body = B64
                .encode(aes_encrypt(&aes_key, &aes_iv, &req.body))
                .into_bytes();
        }
    }
    let resp = http.send(&req).await?;
    Ok((req, resp))
}

/// `GET /api/v1/info`: the first of `supportedAuth` the SDK knows, else by version.
async fn negotiate(http: &Http) -> anyhow::Result<String> {
    let resp = http
        .send(&Outgoing {
            method: "GET".into(),
            target: "/api/v1/info".into(),
            ..Outgoing::default()
        })
        .await?;
    let info = resp.json().ok_or_else(|| {
        anyhow!(
            "GET /api/v1/info did not answer JSON (status {})",
            resp.status
        )
    })?;
    let data = &info["data"];
    if let Some(list) = data["supportedAuth"].as_array() {
        if let Some(s) = list
            .iter()
            .filter_map(Value::as_str)
            .find(|s| *s == "v1" || *s == "v2")
        {
            return Ok(s.to_string());
        }
    }
    Ok(if data["version"].as_str() == Some("4.2.2.0") {
        "v1".into()
    } else {
        "v2".into()
    })
}

/// `GET /api/v1/secret` → `data.public_key`, base64 of a PKCS#1 DER RSAPublicKey.
pub async fn public_key(http: &Http) -> anyhow::Result<RsaPublicKey> {
    let resp = http
        .send(&Outgoing {
            method: "GET".into(),
            target: "/api/v1/secret".into(),
            ..Outgoing::default()
        })
        .await?;
    let v = resp.json().ok_or_else(|| {
        anyhow!(
            "GET /api/v1/secret did not answer JSON (status {})",
            resp.status
        )
    })?;
    let b64 = v["data"]["public_key"]
        .as_str()
        .ok_or_else(|| anyhow!("GET /api/v1/secret has no data.public_key: {v}"))?;
    let der = B64
        .decode(b64)
        .context("data.public_key of GET /api/v1/secret is not base64")?;
    RsaPublicKey::from_pkcs1_der(&der)
        .context("data.public_key of GET /api/v1/secret is not a PKCS#1 RSA public key")
}

/// RSA PKCS#1 v1.5 over 53-byte chunks, concatenated (what the SDK sends).
pub fn rsa_chunks(key: &RsaPublicKey, plain: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut rng = rsa::rand_core::OsRng;
    let mut out = Vec::new();
    for chunk in plain.chunks(CHUNK) {
        out.extend(
            key.encrypt(&mut rng, Pkcs1v15Encrypt, chunk)
                .map_err(|e| anyhow!("RSA encryption failed: {e}"))?,
        );
    }
    Ok(out)
}

/// AES-128-CBC with PKCS#7 padding.
pub fn aes_encrypt(key: &[u8; 16], iv: &[u8; 16], plain: &[u8]) -> Vec<u8> {
    cbc::Encryptor::<aes::Aes128>::new(key.into(), iv.into()).encrypt_padded_vec_mut::<Pkcs7>(plain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::BlockDecryptMut;
    use rsa::RsaPrivateKey;

    #[test]
    fn a_long_header_is_sealed_in_53_byte_chunks_that_decrypt_back() {
        let mut rng = rsa::rand_core::OsRng;
        let private = RsaPrivateKey::new(&mut rng, 1024).unwrap();
        let public = RsaPublicKey::from(&private);
        let plain = vec![b'x'; 120];
        let sealed = rsa_chunks(&public, &plain).unwrap();
        assert_eq!(
            sealed.len(),
            3 * 128,
            "three chunks of one 1024-bit block each"
        );
        let mut back = Vec::new();
        for block in sealed.chunks(128) {
            back.extend(private.decrypt(Pkcs1v15Encrypt, block).unwrap());
        }
        assert_eq!(back, plain);
    }

    #[test]
    fn the_body_is_aes_128_cbc_with_pkcs7_padding() {
        let (k, iv) = ([7u8; 16], [9u8; 16]);
        let sealed = aes_encrypt(&k, &iv, b"{\"operator\": \"RETRY\"}");
        assert_eq!(sealed.len() % 16, 0);
        let back = cbc::Decryptor::<aes::Aes128>::new(&k.into(), &iv.into())
            .decrypt_padded_vec_mut::<Pkcs7>(&sealed)
            .unwrap();
        assert_eq!(back, b"{\"operator\": \"RETRY\"}");
    }
}
