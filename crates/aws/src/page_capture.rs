//! Describe pages mapped straight from their HTTP bodies into the AWS CLI's JSON, while the SDK
//! still signs, sends, retries and paginates the call.
//!
//! [`CapturePages`] is an interceptor for one operation: before each call it puts its own
//! response deserializer in the call's configuration, where the orchestrator looks it up. That
//! deserializer hands a successful body to a [`PageMapper`] (the page as the AWS CLI's compact
//! JSON, and an output carrying only the next page's token) and keeps the text for the caller
//! to [`CapturePages::take_page`]. Everything else goes to the SDK's own deserializer, unchanged:
//! error answers (so retries and error codes are the SDK's), and any body the mapper refuses;
//! then no page is kept, and the caller maps the SDK's typed output instead.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef, Error, Output,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, OrchestratorError};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::client::runtime_plugin::RuntimePlugin;
use aws_smithy_runtime_api::client::ser_de::{DeserializeResponse, SharedResponseDeserializer};
use aws_smithy_types::config_bag::{ConfigBag, FrozenLayer};
use std::fmt;
use std::sync::{Arc, Mutex};

/// Maps one operation's successful page.
pub trait PageMapper: Send + Sync + fmt::Debug + 'static {
    /// The page as the AWS CLI prints it, compact JSON (`{"Reservations":[...]}`), and the
    /// operation's output holding only what pagination reads; an error when the body is not
    /// what the mapper reads (the SDK's deserializer gets it then).
    fn map_body(&self, body: &[u8]) -> Result<(String, Output), BoxError>;
}

/// The interceptor: one per paginated describe, shared by its pages.
#[derive(Debug)]
pub struct CapturePages<M> {
    shared: Arc<Shared<M>>,
}

impl<M> Clone for CapturePages<M> {
    fn clone(&self) -> Self {
        CapturePages {
            shared: self.shared.clone(),
        }
    }
}

#[derive(Debug)]
struct Shared<M> {
    mapper: M,
    /// The operation's own configuration layer, which holds the SDK's deserializer.
    sdk: Option<FrozenLayer>,
    /// The last page mapped, until taken.
    page: Mutex<Option<String>>,
}

impl<M: PageMapper> CapturePages<M> {
    /// Captures the pages of `operation` (the SDK's operation type, e.g.
    /// `aws_sdk_ec2::operation::describe_instances::DescribeInstances::new()`) with `mapper`.
    pub fn new(mapper: M, operation: impl RuntimePlugin) -> CapturePages<M> {
        CapturePages {
            shared: Arc::new(Shared {
                mapper,
                sdk: operation.config(),
                page: Mutex::new(None),
            }),
        }
    }

    /// The items of the page the last call returned, when this mapper read it (each page once);
    /// `None` when the SDK's deserializer did.
    pub fn take_page(&self) -> Option<String> {
        self.shared.page.lock().ok().and_then(|mut p| p.take())
    }
}

impl<M: PageMapper> Intercept for CapturePages<M> {
    fn name(&self) -> &'static str {
        "CapturePages"
    }

    fn read_before_execution(&self, _: &BeforeSerializationInterceptorContextRef<'_>, cfg: &mut ConfigBag) -> Result<(), BoxError> {
        cfg.interceptor_state()
            .store_put(SharedResponseDeserializer::new(Capturing(self.shared.clone())));
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // A page kept by an earlier attempt of this call is not this attempt's answer.
        Capturing(self.shared.clone()).keep(None);
        Ok(())
    }
}

#[derive(Debug)]
struct Capturing<M>(Arc<Shared<M>>);

impl<M: PageMapper> Capturing<M> {
    fn keep(&self, page: Option<String>) {
        if let Ok(mut slot) = self.0.page.lock() {
            *slot = page;
        }
    }
}

impl<M: PageMapper> DeserializeResponse for Capturing<M> {
    fn deserialize_nonstreaming_with_config(&self, response: &HttpResponse, cfg: &ConfigBag) -> Result<Output, OrchestratorError<Error>> {
        if response.status().is_success() {
            if let Some(Ok((items, output))) = response.body().bytes().map(|body| self.0.mapper.map_body(body)) {
                self.keep(Some(items));
                return Ok(output);
            }
        }
        let sdk = self
            .0
            .sdk
            .as_ref()
            .and_then(|layer| layer.load::<SharedResponseDeserializer>())
            .ok_or_else(|| OrchestratorError::other("the operation has no response deserializer"))?;
        sdk.deserialize_nonstreaming_with_config(response, cfg)
    }
}
