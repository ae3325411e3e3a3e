//! Time from starting the provider to its handshake line (what Terraform waits for on every
//! launch: three launches per plan). Run: `cargo bench -p terraform-provider-edulibra --bench handshake`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use criterion::{criterion_group, criterion_main, Criterion};

fn handshake(c: &mut Criterion) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let pem = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap()
        .pem();
    let mut g = c.benchmark_group("provider");
    g.sample_size(30);
    g.bench_function("start_to_handshake_line", |b| {
        b.iter(|| {
            let mut child = Command::new(env!("CARGO_BIN_EXE_terraform-provider-edulibra"))
                .env(
                    "TF_PLUGIN_MAGIC_COOKIE",
                    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
                )
                .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
                .env("PLUGIN_CLIENT_CERT", &pem)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let mut line = String::new();
            BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut line)
                .unwrap();
            assert!(line.starts_with("1|5|unix|"));
            child.kill().unwrap();
            child.wait().unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, handshake);
criterion_main!(benches);
