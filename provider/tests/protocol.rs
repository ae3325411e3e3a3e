//! The provider's gRPC service in process: what a Terraform newer than this provider may call
//! answers `Unimplemented` (and the service goes on serving), and the capabilities it announces.

use edulibra_provider::proto::tfplugin5 as pb;
use edulibra_provider::provider::ProviderService;
use tower_service::Service;

/// gRPC status of a unary call of `method` with an empty request message.
async fn call(
    server: &mut pb::provider_server::ProviderServer<ProviderService>,
    method: &str,
) -> (u16, Option<String>) {
    // An empty message: a 5-byte gRPC frame header, no payload.
    let body = tonic::body::Body::new(String::from("\0\0\0\0\0"));
    let req = http::Request::builder()
        .method("POST")
        .uri(format!("http://localhost/tfplugin5.Provider/{method}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(body)
        .unwrap();
    std::future::poll_fn(|cx| {
        <_ as Service<http::Request<tonic::body::Body>>>::poll_ready(server, cx)
    })
    .await
    .unwrap();
    let resp = server.call(req).await.unwrap();
    let status = resp.status().as_u16();
    let grpc = resp
        .headers()
        .get("grpc-status")
        .map(|v| v.to_str().unwrap().to_string());
    (status, grpc)
}

#[tokio::test]
async fn an_rpc_this_provider_lacks_answers_unimplemented_and_serving_goes_on() {
    let mut server = pb::provider_server::ProviderServer::new(ProviderService::new());
    // Newer than this provider: functions, moving state, actions.
    for method in [
        "GetFunctions",
        "MoveResourceState",
        "PlanAction",
        "NoSuchMethod",
    ] {
        let (http, grpc) = call(&mut server, method).await;
        assert_eq!(http, 200, "{method}");
        assert_eq!(grpc.as_deref(), Some("12"), "{method}: Unimplemented");
    }
    // And what it has still answers.
    let (_, grpc) = call(&mut server, "GetMetadata").await;
    assert_ne!(grpc.as_deref(), Some("12"));
}
