//! go-plugin's handshake: the magic cookie, the protocol choice, and the line on stdout that
//! tells Terraform where to connect and which certificate to trust.

use std::path::{Path, PathBuf};

pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
pub const PROTOCOL_VERSION: u32 = 5;
pub const CORE_PROTOCOL_VERSION: u32 = 1;

pub const NOT_A_PROGRAM: &str =
    "This binary is a plugin. These are not meant to be executed directly.\n\
Please execute the program that consumes these plugins, which will\n\
load any plugins automatically";

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum HandshakeError {
    #[error("{NOT_A_PROGRAM}")]
    NoCookie,
    #[error("Terraform offered plugin protocol versions {offered:?}; this provider speaks only version 5")]
    NoCommonProtocol { offered: String },
}

/// Checks the environment Terraform starts us with.
pub fn check_environment(get: impl Fn(&str) -> Option<String>) -> Result<(), HandshakeError> {
    if get(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
        return Err(HandshakeError::NoCookie);
    }
    // Absent means an old client that only knows the default: go-plugin treats it as acceptable.
    if let Some(offered) = get("PLUGIN_PROTOCOL_VERSIONS") {
        let speaks_5 = offered
            .split(',')
            .any(|v| v.trim().parse::<u32>() == Ok(PROTOCOL_VERSION));
        if !speaks_5 {
            return Err(HandshakeError::NoCommonProtocol { offered });
        }
    }
    Ok(())
}

pub enum Endpoint {
    Unix(PathBuf),
}

/// `CORE|APP|NETWORK|ADDR|PROTOCOL|CERT`, with CERT empty for plaintext.
pub fn handshake_line(endpoint: &Endpoint, cert_b64: Option<&str>) -> String {
    let (network, addr) = match endpoint {
        Endpoint::Unix(p) => ("unix", p.display().to_string()),
    };
    format!(
        "{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|{network}|{addr}|grpc|{}",
        cert_b64.unwrap_or("")
    )
}

/// A fresh socket path in the temp folder, like go-plugin's `pluginNNN`.
pub fn socket_path(tmp: &Path) -> PathBuf {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    tmp.join(format!("plugin-edulibra-{}-{nanos:x}", std::process::id()))
}

/// The value to export for `TF_REATTACH_PROVIDERS` in debug mode.
pub fn reattach_json(source: &str, socket: &Path) -> String {
    serde_json::json!({
        source: {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": {"Network": "unix", "String": socket.display().to_string()}
        }
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let v: Vec<(String, String)> = pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        move |k| v.iter().find(|(a, _)| a == k).map(|(_, b)| b.clone())
    }

    #[test]
    fn cookie_and_protocol() {
        assert_eq!(check_environment(env(&[])), Err(HandshakeError::NoCookie));
        assert_eq!(
            check_environment(env(&[(MAGIC_COOKIE_KEY, "nope")])),
            Err(HandshakeError::NoCookie)
        );
        assert!(check_environment(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "6,5")
        ]))
        .is_ok());
        assert!(matches!(
            check_environment(env(&[
                (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
                ("PLUGIN_PROTOCOL_VERSIONS", "6,15")
            ])),
            Err(HandshakeError::NoCommonProtocol { .. })
        ));
    }

    #[test]
    fn line_shape() {
        let l = handshake_line(&Endpoint::Unix("/tmp/p1".into()), Some("MIIB"));
        assert_eq!(l, "1|5|unix|/tmp/p1|grpc|MIIB");
        assert_eq!(
            handshake_line(&Endpoint::Unix("/tmp/p1".into()), None),
            "1|5|unix|/tmp/p1|grpc|"
        );
    }
}
