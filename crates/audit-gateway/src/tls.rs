//! TLS on both sides of the gateway: the certificate it serves HTTPS with
//! (from PEM files, or made at start-up for the demo), and the extra
//! certificate authority it may trust for upstreams.

use std::sync::Arc;

use base64::Engine;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

/// A certificate chain and its key, as PEM text.
#[derive(Clone)]
pub struct Identity {
    pub cert_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key never reaches a log line.
        f.debug_struct("Identity").finish_non_exhaustive()
    }
}

impl Identity {
    /// Reads a certificate chain and key from PEM files.
    pub fn from_files(cert: &std::path::Path, key: &std::path::Path) -> Result<Self, String> {
        let read = |path: &std::path::Path, what: &str| {
            std::fs::read_to_string(path)
                .map_err(|error| format!("cannot read the TLS {what} {}: {error}", path.display()))
        };
        Ok(Self {
            cert_pem: read(cert, "certificate")?,
            key_pem: read(key, "key")?,
        })
    }

    /// A self-signed certificate for the loopback names (`localhost`,
    /// `127.0.0.1`, `::1`), made now, for running the demo over HTTPS.
    pub fn self_signed() -> Result<Self, String> {
        let names = ["localhost", "127.0.0.1", "::1"].map(str::to_owned);
        let made = rcgen::generate_simple_self_signed(names)
            .map_err(|error| format!("cannot make a self-signed certificate: {error}"))?;
        Ok(Self {
            cert_pem: made.cert.pem(),
            key_pem: made.key_pair.serialize_pem(),
        })
    }

    /// The SHA-256 fingerprint of the first certificate, as colon-separated
    /// hex (what browsers show), so a person can check what they accept.
    pub fn fingerprint(&self) -> Result<String, String> {
        let first = certificates(&self.cert_pem)?
            .into_iter()
            .next()
            .ok_or("the certificate file holds no certificate")?;
        let digest = Sha256::digest(first.as_ref());
        Ok(digest
            .iter()
            .map(|byte| format!("{byte:02X}"))
            .collect::<Vec<_>>()
            .join(":"))
    }

    /// The base64 SHA-256 of the key's SubjectPublicKeyInfo: what
    /// Chromium's `--ignore-certificate-errors-spki-list` takes to trust
    /// exactly this key.
    pub fn spki_sha256(&self) -> Result<String, String> {
        let key = rcgen::KeyPair::from_pem(&self.key_pem)
            .map_err(|error| format!("the TLS key is not usable: {error}"))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(Sha256::digest(key.public_key_der())))
    }

    /// The rustls server configuration serving this identity (HTTP/1.1).
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, String> {
        let chain = certificates(&self.cert_pem)?;
        if chain.is_empty() {
            return Err("the TLS certificate file holds no PEM certificate".into());
        }
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes()).map_err(|error| {
            format!("the TLS key file holds no usable PEM private key ({error})")
        })?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| format!("cannot set up TLS: {error}"))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|error| {
                format!("the TLS certificate and key do not work together: {error}")
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

fn certificates(pem: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| format!("the TLS certificate file is not PEM ({error})"))
}

/// Reads a PEM bundle of extra certificate authorities to trust for
/// upstreams, refusing a file with none in it.
pub fn upstream_roots(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, String> {
    let pem = std::fs::read(path).map_err(|error| {
        format!(
            "cannot read the upstream CA file {}: {error}",
            path.display()
        )
    })?;
    let roots = reqwest::Certificate::from_pem_bundle(&pem).map_err(|error| {
        format!(
            "the upstream CA file {} is not PEM: {error}",
            path.display()
        )
    })?;
    if roots.is_empty() {
        return Err(format!(
            "the upstream CA file {} holds no certificate",
            path.display()
        ));
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_identity_serves_and_has_a_fingerprint() {
        let identity = Identity::self_signed().expect("made");
        assert!(identity.server_config().is_ok());
        let fingerprint = identity.fingerprint().expect("fingerprint");
        assert_eq!(fingerprint.len(), 32 * 3 - 1, "{fingerprint}");
        assert!(!format!("{identity:?}").contains("PRIVATE KEY"));
    }

    #[test]
    fn mismatched_or_missing_parts_are_refused_with_a_reason() {
        let one = Identity::self_signed().expect("made");
        let other = Identity::self_signed().expect("made");
        let mismatched = Identity {
            cert_pem: one.cert_pem.clone(),
            key_pem: other.key_pem,
        };
        assert!(mismatched
            .server_config()
            .unwrap_err()
            .contains("do not work together"));
        let no_cert = Identity {
            cert_pem: "not pem".into(),
            key_pem: one.key_pem.clone(),
        };
        assert!(no_cert
            .server_config()
            .unwrap_err()
            .contains("no PEM certificate"));
        let no_key = Identity {
            cert_pem: one.cert_pem,
            key_pem: "nothing".into(),
        };
        assert!(no_key.server_config().unwrap_err().contains("private key"));
    }
}
