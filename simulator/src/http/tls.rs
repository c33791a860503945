//! `serve --tls`: a self-signed certificate made at start (storops does not verify it), and
//! written as PEM with `--tls-cert-out FILE` so that clients can verify it
//! (`UnitySystem(..., verify="FILE")`, `curl --cacert FILE`).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

/// A self-signed certificate for `serve --tls`, made at start for `localhost` and
/// `127.0.0.1`; with `cert_out`, its PEM is written there first.
pub fn self_signed_tls(cert_out: Option<&Path>) -> anyhow::Result<tokio_rustls::TlsAcceptor> {
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let certified = rcgen::generate_simple_self_signed(names)?;
    if let Some(path) = cert_out {
        std::fs::write(path, certified.cert.pem()).with_context(|| {
            format!(
                "--tls-cert-out {}: cannot write the certificate",
                path.display()
            )
        })?;
    }
    let cert = certified.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        certified.key_pair.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
