//! Only the holder of the certificate Terraform announced can talk to the provider. (Terraform
//! itself, with its P-521 certificate, connects in the end-to-end tests.)

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use base64::Engine as _;
use edulibra_provider::handshake::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Identity {
    pem: String,
    der: CertificateDer<'static>,
    key: Vec<u8>,
}

fn identity() -> Identity {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    Identity {
        pem: cert.pem(),
        der: cert.der().clone(),
        key: key.serialize_der(),
    }
}

struct Provider {
    child: Child,
    socket: String,
    server_cert: CertificateDer<'static>,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(client_pem: &str) -> Provider {
    let mut child = Command::new(env!("CARGO_BIN_EXE_terraform-provider-edulibra"))
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", client_pem)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let parts: Vec<&str> = line.trim().split('|').collect();
    assert_eq!(&parts[..3], &["1", "5", "unix"], "{line}");
    assert_eq!(parts[4], "grpc");
    let der = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(parts[5])
        .expect("unpadded base64 DER");
    Provider {
        child,
        socket: parts[3].to_string(),
        server_cert: CertificateDer::from(der),
    }
}

/// Completes TLS and sends the HTTP/2 preface; true when the server answers with a frame.
async fn can_talk(p: &Provider, client: Option<&Identity>) -> bool {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(p.server_cert.clone()).unwrap();
    let b = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let mut cfg = match client {
        Some(id) => b
            .with_client_auth_cert(
                vec![id.der.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key.clone())),
            )
            .unwrap(),
        None => b.with_no_client_auth(),
    };
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    let stream = tokio::net::UnixStream::connect(&p.socket).await.unwrap();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(cfg));
    let Ok(mut tls) = connector
        .connect(ServerName::try_from("localhost").unwrap(), stream)
        .await
    else {
        return false;
    };
    if tls
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .await
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 9];
    matches!(
        tokio::time::timeout(std::time::Duration::from_secs(5), tls.read_exact(&mut buf)).await,
        Ok(Ok(_))
    )
}

#[tokio::test]
async fn only_the_announced_client_certificate_gets_in() {
    let terraform = identity();
    let intruder = identity();
    let p = start(&terraform.pem);
    assert!(
        can_talk(&p, Some(&terraform)).await,
        "the pinned client is served"
    );
    assert!(
        !can_talk(&p, Some(&intruder)).await,
        "another certificate is refused"
    );
    assert!(!can_talk(&p, None).await, "no certificate is refused");
    assert!(
        can_talk(&p, Some(&terraform)).await,
        "refusals do not stop the server"
    );
}

#[test]
fn the_socket_is_removed_when_the_provider_is_terminated() {
    let id = identity();
    let mut p = start(&id.pem);
    assert!(std::path::Path::new(&p.socket).exists());
    unsafe {
        libc::kill(p.child.id() as i32, libc::SIGTERM);
    }
    let status = p.child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(!std::path::Path::new(&p.socket).exists());
}
