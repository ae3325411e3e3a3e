//! Listings that come in pages, read through the SDK's own paginators (`into_paginator()`):
//! a lookup reads every page until it finds its item, so a reader never stops at the first page
//! (AWS pages every List and Describe call; the test rig answers a page of one or a few items).

use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::calls::Call;
use super::driver::CallError;

type Pages<O, E> = PaginationStream<Result<O, SdkError<E, HttpResponse>>>;

/// The first item, on any page, that `matches`.
pub(crate) async fn find<O, E, T, I, M>(
    mut pages: Pages<O, E>,
    operation: &str,
    items: I,
    matches: M,
) -> Result<Option<T>, CallError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    T: Clone,
    I: Fn(&O) -> &[T],
    M: Fn(&T) -> bool,
{
    while let Some(page) = pages.next().await {
        let page = page.op(operation)?;
        if let Some(x) = items(&page).iter().find(|x| matches(x)) {
            return Ok(Some(x.clone()));
        }
    }
    Ok(None)
}

/// Every item of every page that `keep` keeps.
pub(crate) async fn collect<O, E, T, I, K>(
    mut pages: Pages<O, E>,
    operation: &str,
    items: I,
    keep: K,
) -> Result<Vec<T>, CallError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    T: Clone,
    I: Fn(&O) -> &[T],
    K: Fn(&T) -> bool,
{
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.op(operation)?;
        out.extend(items(&page).iter().filter(|x| keep(x)).cloned());
    }
    Ok(out)
}
