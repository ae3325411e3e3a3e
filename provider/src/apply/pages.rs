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

/// Every item of every page.
pub(crate) async fn collect<O, E, T, I>(
    mut pages: Pages<O, E>,
    operation: &str,
    items: I,
) -> Result<Vec<T>, CallError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    T: Clone,
    I: Fn(&O) -> &[T],
{
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend_from_slice(items(&page.op(operation)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_kms::operation::list_keys::{ListKeysError, ListKeysOutput};
    use aws_sdk_kms::types::error::KmsInternalException;
    use aws_sdk_kms::types::KeyListEntry;
    use aws_smithy_async::future::pagination_stream::fn_stream::FnStream;
    use aws_smithy_types::body::SdkBody;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use crate::apply::driver::ErrorClass;

    /// A listing answered in `pages` (key ids), failing with a 500 at page `fail_at`; `read`
    /// counts the pages handed out.
    fn listing(
        pages: Vec<Vec<&'static str>>,
        fail_at: Option<usize>,
        read: Arc<AtomicUsize>,
    ) -> Pages<ListKeysOutput, ListKeysError> {
        PaginationStream::new(FnStream::new(move |tx| {
            Box::pin(async move {
                for (i, ids) in pages.into_iter().enumerate() {
                    read.fetch_add(1, Ordering::SeqCst);
                    let page = if fail_at == Some(i) {
                        let e = KmsInternalException::builder().message("try later").build();
                        let raw = HttpResponse::new(500.try_into().unwrap(), SdkBody::empty());
                        Err(SdkError::service_error(
                            ListKeysError::KmsInternalException(e),
                            raw,
                        ))
                    } else {
                        let keys = ids
                            .iter()
                            .map(|id| KeyListEntry::builder().key_id(*id).build());
                        Ok(ListKeysOutput::builder()
                            .set_keys(Some(keys.collect()))
                            .build())
                    };
                    if tx.send(page).await.is_err() {
                        return;
                    }
                }
            })
        }))
    }

    fn id(k: &KeyListEntry) -> &str {
        k.key_id().unwrap_or("")
    }

    #[tokio::test]
    async fn a_lookup_reads_on_until_the_page_that_holds_its_item_and_no_further() {
        let read = Arc::new(AtomicUsize::new(0));
        let pages = vec![vec!["a"], vec!["b", "c"], vec!["d"], vec!["e"]];
        let found = find(
            listing(pages, None, read.clone()),
            "ListKeys",
            |p| p.keys(),
            |k| id(k) == "d",
        );
        assert_eq!(found.await.unwrap().as_ref().map(id), Some("d"));
        assert!(read.load(Ordering::SeqCst) <= 4, "stops once found");
        let pages = vec![vec!["a"], vec!["b"]];
        let missing = find(
            listing(pages, None, read),
            "ListKeys",
            |p| p.keys(),
            |k| id(k) == "z",
        );
        assert!(
            missing.await.unwrap().is_none(),
            "every page read, nothing found"
        );
    }

    #[tokio::test]
    async fn a_collection_holds_every_item_of_every_page() {
        let read = Arc::new(AtomicUsize::new(0));
        let pages = vec![vec!["a1", "b1"], vec![], vec!["a2"], vec!["b2", "a3"]];
        let all = collect(listing(pages, None, read.clone()), "ListKeys", |p| p.keys());
        let ids: Vec<String> = all
            .await
            .unwrap()
            .iter()
            .map(|k| id(k).to_string())
            .collect();
        assert_eq!(ids, ["a1", "b1", "a2", "b2", "a3"]);
        let a: Vec<&String> = ids.iter().filter(|i| i.starts_with('a')).collect();
        assert_eq!(a, ["a1", "a2", "a3"]);
        assert_eq!(read.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_failed_page_fails_the_lookup_with_the_operation_and_its_class() {
        let read = Arc::new(AtomicUsize::new(0));
        let pages = vec![vec!["a"], vec!["b"], vec!["c"]];
        let e = find(
            listing(pages, Some(1), read),
            "ListKeys",
            |p| p.keys(),
            |k| id(k) == "c",
        )
        .await
        .unwrap_err();
        assert_eq!(e.operation, "ListKeys");
        assert_eq!(
            e.code, "HTTP 500",
            "an answer without an error code is named by its status"
        );
        assert_eq!(e.class, ErrorClass::Transient, "a 500 is retried");
    }
}
