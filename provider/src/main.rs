use std::process::ExitCode;

use edulibra_provider::{handshake, logging, server};

fn main() -> ExitCode {
    if std::env::args()
        .skip(1)
        .any(|a| a == "--version" || a == "-v")
    {
        // What a release is: the workspace's version, stamped at build time.
        println!(
            "terraform-provider-edulibra {} (plugin protocol 5)",
            env!("CARGO_PKG_VERSION")
        );
        return ExitCode::SUCCESS;
    }
    let debug = std::env::args().skip(1).any(|a| a == "--debug");
    if !debug {
        if let Err(e) = handshake::check_environment(|k| std::env::var(k).ok()) {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    }
    // Ctrl-C reaches the whole process group; Terraform decides when we stop (go-plugin does the same).
    // SAFETY: setting a signal disposition to SIG_IGN before any thread exists.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
    logging::init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("terraform-provider-edulibra: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let opts = server::ServeOptions {
        debug,
        client_cert_pem: std::env::var("PLUGIN_CLIENT_CERT")
            .ok()
            .filter(|s| !s.trim().is_empty()),
    };
    match rt.block_on(server::serve(opts)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("terraform-provider-edulibra: {e:#}");
            ExitCode::from(1)
        }
    }
}
