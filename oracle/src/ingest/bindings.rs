//! Where ingest learns which node a device key is bound to, and the cache in front of it.
//!
//! Why a cache: every accepted input needs its key's `DeviceBinding`, and asking the chain
//! per message would make RPC the bottleneck. Bindings are cached for a TTL (only
//! `unbound_at` ever changes, and ingest does not depend on it). A key without a binding is
//! remembered only briefly: RPC can lag behind a device's registration, so the answer
//! `unknown_device` is retryable and the next attempt after `missing_retry` asks again.
//! When the source fails, a stale binding is still served; without one the error surfaces as
//! a retryable `unavailable`.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use gridmint_protocol::crediting::BindingInput;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// A boxed future, so that directories can be used as `dyn BindingDirectory`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The binding source failed (network, decoding); retrying later may help.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("binding directory unavailable: {0}")]
pub struct DirectoryError(pub String);

/// Looks up the `DeviceBinding` of a device key on the deployment. `Ok(None)`: no binding
/// (yet). To be replaced by the SDK's chain trait once it exists.
pub trait BindingDirectory: Send + Sync {
    fn binding<'a>(
        &'a self,
        device_key: &'a [u8; 32],
    ) -> BoxFuture<'a, Result<Option<BindingInput>, DirectoryError>>;
}

/// Cache settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CachePolicy {
    /// How long a found binding is served before it is fetched again.
    pub ttl: Duration,
    /// How long "no binding" is remembered before the next lookup asks the source again.
    pub missing_retry: Duration,
    /// At most this many "no binding" entries are kept (keys are free to make; each unknown
    /// key costs one lookup per `missing_retry` at most while it is remembered).
    pub max_missing: usize,
}

struct Entry {
    binding: Option<BindingInput>,
    fetched_at: Instant,
}

/// A [`BindingDirectory`] in front of another one, with the policy above.
pub struct CachedBindings {
    source: Arc<dyn BindingDirectory>,
    policy: CachePolicy,
    entries: Mutex<HashMap<[u8; 32], Entry>>,
}

impl CachedBindings {
    pub fn new(source: Arc<dyn BindingDirectory>, policy: CachePolicy) -> Self {
        Self { source, policy, entries: Mutex::new(HashMap::new()) }
    }

    /// The binding of `device_key`, from the cache when fresh enough.
    pub async fn get(&self, device_key: &[u8; 32]) -> Result<Option<BindingInput>, DirectoryError> {
        let stale = {
            let entries = self.entries.lock().await;
            match entries.get(device_key) {
                Some(e) => {
                    let max_age = if e.binding.is_some() {
                        self.policy.ttl
                    } else {
                        self.policy.missing_retry
                    };
                    if e.fetched_at.elapsed() < max_age {
                        return Ok(e.binding);
                    }
                    e.binding
                }
                None => None,
            }
        };
        // The lock is not held across the lookup: one slow RPC must not stall other keys.
        match self.source.binding(device_key).await {
            Ok(found) => {
                let mut entries = self.entries.lock().await;
                if found.is_none() {
                    let missing = entries.values().filter(|e| e.binding.is_none()).count();
                    if missing >= self.policy.max_missing {
                        entries.retain(|_, e| e.binding.is_some());
                    }
                }
                entries.insert(*device_key, Entry { binding: found, fetched_at: Instant::now() });
                Ok(found)
            }
            Err(e) if stale.is_some() => {
                tracing::warn!(error = %e, "binding refresh failed; serving the cached binding");
                Ok(stale)
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// In-memory directory for the cache logic only (ingest tests use a real Bank).
    #[derive(Default)]
    struct Map {
        bindings: std::sync::Mutex<HashMap<[u8; 32], BindingInput>>,
        fail: std::sync::atomic::AtomicBool,
        lookups: AtomicUsize,
    }

    impl BindingDirectory for Map {
        fn binding<'a>(
            &'a self,
            key: &'a [u8; 32],
        ) -> BoxFuture<'a, Result<Option<BindingInput>, DirectoryError>> {
            Box::pin(async move {
                self.lookups.fetch_add(1, Ordering::SeqCst);
                if self.fail.load(Ordering::SeqCst) {
                    return Err(DirectoryError("down".into()));
                }
                Ok(self.bindings.lock().expect("lock").get(key).copied())
            })
        }
    }

    fn binding(key: [u8; 32]) -> BindingInput {
        BindingInput { device_key: key, node: [1; 32], node_id: 1, bound_at: 0, unbound_at: None }
    }

    const POLICY: CachePolicy = CachePolicy {
        ttl: Duration::from_secs(60),
        missing_retry: Duration::from_secs(2),
        max_missing: 2,
    };

    fn setup() -> (Arc<Map>, CachedBindings) {
        let map = Arc::new(Map::default());
        let cache = CachedBindings::new(map.clone(), POLICY);
        (map, cache)
    }

    #[tokio::test(start_paused = true)]
    async fn found_binding_is_cached_until_the_ttl() {
        let (map, cache) = setup();
        map.bindings.lock().expect("lock").insert([5; 32], binding([5; 32]));
        assert_eq!(cache.get(&[5; 32]).await, Ok(Some(binding([5; 32]))));
        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(cache.get(&[5; 32]).await, Ok(Some(binding([5; 32]))));
        assert_eq!(map.lookups.load(Ordering::SeqCst), 1);
        tokio::time::advance(Duration::from_secs(1)).await;
        cache.get(&[5; 32]).await.expect("lookup");
        assert_eq!(map.lookups.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn missing_binding_is_retried_after_missing_retry() {
        let (map, cache) = setup();
        // Given RPC that has not seen the registration yet.
        assert_eq!(cache.get(&[6; 32]).await, Ok(None));
        map.bindings.lock().expect("lock").insert([6; 32], binding([6; 32]));
        // Within missing_retry the negative answer is reused.
        assert_eq!(cache.get(&[6; 32]).await, Ok(None));
        // After it, the source is asked again and the binding appears.
        tokio::time::advance(POLICY.missing_retry).await;
        assert_eq!(cache.get(&[6; 32]).await, Ok(Some(binding([6; 32]))));
        assert_eq!(map.lookups.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn failing_source_serves_stale_binding_or_errors() {
        let (map, cache) = setup();
        map.bindings.lock().expect("lock").insert([7; 32], binding([7; 32]));
        cache.get(&[7; 32]).await.expect("lookup");
        map.fail.store(true, Ordering::SeqCst);
        tokio::time::advance(POLICY.ttl).await;
        assert_eq!(cache.get(&[7; 32]).await, Ok(Some(binding([7; 32]))));
        assert_eq!(cache.get(&[8; 32]).await, Err(DirectoryError("down".into())));
    }

    #[tokio::test(start_paused = true)]
    async fn negative_entries_are_bounded() {
        let (map, cache) = setup();
        map.bindings.lock().expect("lock").insert([1; 32], binding([1; 32]));
        for k in 1..=4u8 {
            cache.get(&[k; 32]).await.expect("lookup");
        }
        let entries = cache.entries.lock().await;
        assert!(entries.values().filter(|e| e.binding.is_none()).count() <= POLICY.max_missing);
        assert!(entries.contains_key(&[1; 32]), "positive entries are kept");
    }
}
