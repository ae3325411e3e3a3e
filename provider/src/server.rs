//! The plugin process: socket, TLS, the gRPC services go-plugin expects beside the provider,
//! and a prompt exit when Terraform says it is done.

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::UnixListener;
use tokio::sync::watch;
use tokio_stream::wrappers::{ReceiverStream, UnixListenerStream};
use tokio_stream::{Stream, StreamExt};

use tonic::{Request, Response, Status, Streaming};

use crate::handshake::{self, Endpoint};
use crate::proto::plugin as gp;
use crate::proto::tfplugin5::provider_server::ProviderServer;
use crate::provider::ProviderService;
use crate::tls;

pub const SOURCE_ADDRESS: &str = "registry.terraform.io/edulibra/edulibra";

pub struct ServeOptions {
    /// Started by a developer for TF_REATTACH_PROVIDERS: plaintext, and no exit on Shutdown.
    pub debug: bool,
    /// The PEM of Terraform's client certificate (AutoMTLS); None serves plaintext.
    pub client_cert_pem: Option<String>,
}

/// Removes the socket file however the process leaves `serve`.
struct SocketFile(PathBuf);
impl Drop for SocketFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

pub async fn serve(opts: ServeOptions) -> anyhow::Result<()> {
    let path = handshake::socket_path(&std::env::temp_dir());
    let listener = UnixListener::bind(&path)
        .with_context(|| format!("cannot listen on {}", path.display()))?;
    let socket = Arc::new(SocketFile(path.clone()));

    let tls_config = match (&opts.client_cert_pem, opts.debug) {
        (Some(pem), false) => {
            let identity = tls::ServerIdentity::generate()?;
            let pinned = tls::parse_client_cert(pem)?;
            let cfg = tls::server_config(&identity, pinned)?;
            Some((identity.handshake_encoding(), Arc::new(cfg)))
        }
        _ => None,
    };

    // Registered before the handshake line: a SIGTERM right after it must still clean up.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let endpoint = Endpoint::Unix(path.clone());
    if opts.debug {
        let value = handshake::reattach_json(SOURCE_ADDRESS, &path);
        println!("Provider started in debug mode. To attach Terraform, export:\n\n\tTF_REATTACH_PROVIDERS='{value}'\n");
    } else {
        println!(
            "{}",
            handshake::handshake_line(&endpoint, tls_config.as_ref().map(|(c, _)| c.as_str()))
        );
    }
    use std::io::Write;
    std::io::stdout().flush()?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), socket = %path.display(), tls = tls_config.is_some(), "provider serving");

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;

    let controller = Controller {
        shutdown: shutdown_tx,
        socket: socket.clone(),
        exit_on_shutdown: !opts.debug,
    };
    let router = tonic::transport::Server::builder()
        .add_service(
            ProviderServer::new(ProviderService::new())
                .max_decoding_message_size(256 << 20)
                .max_encoding_message_size(256 << 20),
        )
        .add_service(gp::grpc_controller_server::GrpcControllerServer::new(
            controller,
        ))
        .add_service(gp::grpc_stdio_server::GrpcStdioServer::new(Stdio {
            shutdown: shutdown_rx.clone(),
        }))
        .add_service(gp::grpc_broker_server::GrpcBrokerServer::new(Broker))
        .add_service(health_service);

    let mut rx = shutdown_rx.clone();
    let signal = async move {
        tokio::select! {
            _ = rx.wait_for(|v| *v) => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
        }
    };

    match tls_config {
        None => {
            router
                .serve_with_incoming_shutdown(UnixListenerStream::new(listener), signal)
                .await?
        }
        Some((_, cfg)) => {
            let incoming = tls_incoming(listener, cfg);
            router
                .serve_with_incoming_shutdown(incoming, signal)
                .await?
        }
    }
    drop(socket);
    Ok(())
}

/// Accepts connections and runs each TLS handshake in its own task, so one slow or hostile
/// client cannot hold up the others. Failed handshakes are logged and dropped.
fn tls_incoming(
    listener: UnixListener,
    cfg: Arc<rustls::ServerConfig>,
) -> ReceiverStream<Result<tokio_rustls::server::TlsStream<tokio::net::UnixStream>, std::io::Error>>
{
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let acceptor = tokio_rustls::TlsAcceptor::from(cfg);
    tokio::spawn(async move {
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            };
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => {
                        let _ = tx.send(Ok(tls)).await;
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "refused a connection: TLS handshake failed")
                    }
                    Err(_) => tracing::warn!("refused a connection: TLS handshake timed out"),
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

struct Controller {
    shutdown: watch::Sender<bool>,
    socket: Arc<SocketFile>,
    exit_on_shutdown: bool,
}

#[tonic::async_trait]
impl gp::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _: Request<gp::Empty>) -> Result<Response<gp::Empty>, Status> {
        tracing::info!("Terraform asked the provider to shut down");
        let _ = self.shutdown.send(true);
        if self.exit_on_shutdown {
            // Graceful shutdown would wait for the stdio stream Terraform keeps open; Terraform
            // kills us after 2 s anyway, so answer, then leave shortly after.
            let socket = self.socket.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let _ = std::fs::remove_file(&socket.0);
                std::process::exit(0);
            });
        }
        Ok(Response::new(gp::Empty {}))
    }
}

struct Stdio {
    shutdown: watch::Receiver<bool>,
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl gp::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = BoxStream<gp::StdioData>;

    /// We log to stderr, which go-plugin already reads; the stream only stays open until
    /// shutdown, as go-plugin expects of an implemented stream.
    async fn stream_stdio(
        &self,
        _: Request<gp::Empty>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        let mut rx = self.shutdown.clone();
        let stream = async_stream_until(async move {
            let _ = rx.wait_for(|v| *v).await;
        });
        Ok(Response::new(Box::pin(stream)))
    }
}

/// A stream that yields nothing and ends once `done` completes.
fn async_stream_until<T: Send + 'static>(
    done: impl std::future::Future<Output = ()> + Send + 'static,
) -> ReceiverStream<Result<T, Status>> {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        done.await;
        drop(tx);
    });
    ReceiverStream::new(rx)
}

struct Broker;

#[tonic::async_trait]
impl gp::grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = BoxStream<gp::ConnInfo>;

    /// No sub-plugins are brokered: drain what Terraform sends and answer nothing.
    async fn start_stream(
        &self,
        request: Request<Streaming<gp::ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        let mut incoming = request.into_inner();
        let stream =
            async_stream_until(async move { while let Some(Ok(_)) = incoming.next().await {} });
        Ok(Response::new(Box::pin(stream)))
    }
}
