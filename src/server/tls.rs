//! TLS for client connections: the server's certificate and key, loaded with rustls.
//!
//! Loaded by `pgwire_start`, so that a missing, unreadable or mismatched pair is an error there,
//! not a surprise at a client's first handshake.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{sqlstate, PgError, PgResult};

fn config_error(message: String) -> PgError {
    PgError::new(sqlstate::CONFIG_FILE_ERROR, message)
}

/// A rustls server configuration from PEM files: `cert` holds the certificate chain (the
/// server's first), `key` its private key (PKCS#8, PKCS#1 or SEC1).
pub fn load(cert: &str, key: &str) -> PgResult<Arc<rustls::ServerConfig>> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|e| config_error(format!("could not read certificate file \"{cert}\": {e}")))?;
    if chain.is_empty() {
        return Err(config_error(format!(
            "certificate file \"{cert}\" holds no certificate"
        )));
    }
    let private = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| config_error(format!("could not read private key file \"{key}\": {e}")))?;
    // with_single_cert refuses a key that is not the certificate's.
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| config_error(format!("TLS: {e}")))?
            .with_no_client_auth()
            .with_single_cert(chain, private)
            .map_err(|e| {
                config_error(format!(
                    "private key file \"{key}\" does not fit certificate file \"{cert}\": {e}"
                ))
            })?;
    Ok(Arc::new(config))
}
