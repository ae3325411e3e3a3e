//! AutoMTLS: the server certificate we announce in the handshake, and a client verifier that
//! accepts exactly the certificate Terraform handed us in `PLUGIN_CLIENT_CERT`.
//!
//! Terraform's client certificate is ECDSA P-521. rustls on ring cannot verify P-521, so with a
//! stock verifier Go never presents its certificate and client auth can only be optional: any
//! local process could then drive the provider. We advertise `ecdsa_secp521r1_sha512` ourselves,
//! require the presented certificate to be byte-identical to the pinned one, and check the
//! handshake signature with the pure-Rust `p521` crate: possession of Terraform's private key
//! is proved, and nobody else gets in.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, Error as TlsError, SignatureScheme};

#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("PLUGIN_CLIENT_CERT holds no PEM certificate")]
    NoClientCert,
    #[error("PLUGIN_CLIENT_CERT is not valid PEM: {0}")]
    BadPem(String),
    #[error("cannot generate the server certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("cannot build the TLS configuration: {0}")]
    Config(#[from] TlsError),
}

/// Our self-signed server certificate (P-256, SAN `localhost`, which Terraform dials).
pub struct ServerIdentity {
    pub cert_der: CertificateDer<'static>,
    key_der: Vec<u8>,
}

impl ServerIdentity {
    pub fn generate() -> Result<ServerIdentity, TlsSetupError> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "EduLibra");
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
        ];
        let cert = params.self_signed(&key)?;
        Ok(ServerIdentity {
            cert_der: cert.der().clone(),
            key_der: key.serialize_der(),
        })
    }

    /// The certificate as the handshake line carries it: base64 of the DER, no padding.
    pub fn handshake_encoding(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(self.cert_der.as_ref())
    }
}

/// Reads the first certificate of a PEM bundle.
pub fn parse_client_cert(pem: &str) -> Result<CertificateDer<'static>, TlsSetupError> {
    use base64::Engine;
    let begin = "-----BEGIN CERTIFICATE-----";
    let end = "-----END CERTIFICATE-----";
    let start = pem.find(begin).ok_or(TlsSetupError::NoClientCert)? + begin.len();
    let stop = pem[start..]
        .find(end)
        .ok_or_else(|| TlsSetupError::BadPem("no END line".into()))?
        + start;
    let body: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|e| TlsSetupError::BadPem(e.to_string()))?;
    Ok(CertificateDer::from(der))
}

pub fn ring_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The server TLS configuration: our identity, ALPN h2, and the pinned client.
pub fn server_config(
    identity: &ServerIdentity,
    pinned_client: CertificateDer<'static>,
) -> Result<rustls::ServerConfig, TlsSetupError> {
    let provider = ring_provider();
    let verifier = PinnedClientVerifier {
        pinned: pinned_client,
        provider: provider.clone(),
    };
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(
            vec![identity.cert_der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(identity.key_der.clone())),
        )?;
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    Ok(cfg)
}

#[derive(Debug)]
pub struct PinnedClientVerifier {
    pinned: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl PinnedClientVerifier {
    pub fn new(pinned: CertificateDer<'static>) -> PinnedClientVerifier {
        PinnedClientVerifier {
            pinned,
            provider: ring_provider(),
        }
    }
}

impl ClientCertVerifier for PinnedClientVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, TlsError> {
        // Pinning replaces chain validation: Terraform's certificate is its own CA, used as a leaf.
        if end_entity.as_ref() == self.pinned.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(TlsError::General(
                "client certificate is not the one Terraform announced".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        if dss.scheme == SignatureScheme::ECDSA_NISTP521_SHA512 {
            return verify_p521(message, cert, dss.signature());
        }
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        if dss.scheme == SignatureScheme::ECDSA_NISTP521_SHA512 {
            return verify_p521(message, cert, dss.signature());
        }
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        let mut schemes = self
            .provider
            .signature_verification_algorithms
            .supported_schemes();
        schemes.insert(0, SignatureScheme::ECDSA_NISTP521_SHA512);
        schemes
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }
}

fn verify_p521(
    message: &[u8],
    cert: &CertificateDer<'_>,
    sig: &[u8],
) -> Result<HandshakeSignatureValid, TlsError> {
    use p521::ecdsa::signature::Verifier;
    use p521::pkcs8::DecodePublicKey;
    let ee = webpki::EndEntityCert::try_from(cert)
        .map_err(|e| TlsError::General(format!("client certificate: {e}")))?;
    let spki = ee.subject_public_key_info();
    let public = p521::PublicKey::from_public_key_der(spki.as_ref())
        .map_err(|e| TlsError::General(format!("client key is not P-521: {e}")))?;
    let key = p521::ecdsa::VerifyingKey::from_sec1_bytes(public.to_sec1_bytes().as_ref())
        .map_err(|e| TlsError::General(format!("client key: {e}")))?;
    let signature = p521::ecdsa::Signature::from_der(sig)
        .map_err(|_| TlsError::InvalidCertificate(rustls::CertificateError::BadSignature))?;
    key.verify(message, &signature)
        .map(|_| HandshakeSignatureValid::assertion())
        .map_err(|_| TlsError::InvalidCertificate(rustls::CertificateError::BadSignature))
}
