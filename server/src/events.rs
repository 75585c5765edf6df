//! Live events: `GET /api/events` is a Server-Sent Events stream of the signed-in user's [`LiveEvent`]s.
//!
//! Workers publish to `events:user:<id>` on Redis pub/sub. Each server process holds one pattern subscription and
//! fans messages out to the open streams of that user only, so a user never receives another user's events. When a
//! stream falls behind it gets a `resync` event, and the page re-reads the state from the database.
//!
//! [`LiveEvent`]: domain::videos::LiveEvent

use std::{
    collections::HashMap,
    convert::Infallible,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Extension,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use backend::{AppState, accounts::web::CurrentUser, config::RedisConfig, ratelimit::Lease};
use fred::prelude::{
    Builder, ClientLike as _, Config as FredConfig, EventInterface as _, PubsubInterface as _, ReconnectPolicy,
};
use tokio::sync::broadcast;
use tokio_stream::{StreamExt as _, wrappers::BroadcastStream};
use uuid::Uuid;

/// Events buffered per user before a slow stream is told to resync.
const BUFFER: usize = 64;

/// Routes pub/sub messages to the streams of their user.
pub struct EventHub {
    channels: Mutex<HashMap<Uuid, broadcast::Sender<Arc<str>>>>,
}

impl EventHub {
    /// Subscribes to every user's channel under `cfg`'s key prefix and starts forwarding. Returns at once; while
    /// Redis is unreachable the subscription is retried and restored after reconnects.
    pub fn start(cfg: &RedisConfig) -> anyhow::Result<Arc<EventHub>> {
        let config = FredConfig::from_url(&cfg.url)?;
        let subscriber = Builder::from_config(config)
            .set_policy(ReconnectPolicy::new_exponential(0, 100, 5_000, 2))
            .build_subscriber_client()?;
        let hub = Arc::new(EventHub { channels: Mutex::new(HashMap::new()) });
        let prefix = format!("{}{}", cfg.key_prefix, backend::videos::USER_CHANNEL_PREFIX);
        let pattern = format!("{prefix}*");
        let weak = Arc::downgrade(&hub);
        tokio::spawn(async move {
            let mut messages = subscriber.message_rx();
            // Re-subscribes after every reconnection.
            let _resubscribe = subscriber.manage_subscriptions();
            drop(subscriber.connect());
            while let Err(e) = subscriber.psubscribe(pattern.clone()).await {
                tracing::warn!(error = %e, "subscribing to live events failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            while let Ok(message) = messages.recv().await {
                let Some(hub) = weak.upgrade() else { break };
                let channel = message.channel.to_string();
                let Some(user) = channel.strip_prefix(&prefix).and_then(|u| Uuid::parse_str(u).ok()) else { continue };
                if let Some(payload) = message.value.as_string() {
                    hub.dispatch(user, payload.into());
                }
            }
            let _ = subscriber.quit().await;
        });
        Ok(hub)
    }

    fn dispatch(&self, user: Uuid, payload: Arc<str>) {
        let mut channels = self.channels.lock().expect("event hub lock");
        // Nobody listening any more: forget the channel.
        if let Some(tx) = channels.get(&user)
            && tx.send(payload).is_err()
        {
            channels.remove(&user);
        }
    }

    /// A receiver of `user`'s events.
    pub fn subscribe(&self, user: Uuid) -> broadcast::Receiver<Arc<str>> {
        let mut channels = self.channels.lock().expect("event hub lock");
        channels.entry(user).or_insert_with(|| broadcast::channel(BUFFER).0).subscribe()
    }
}

/// How long a stream's slot lives without renewal (a server that died without releasing its slots frees them after
/// this); streams renew every third of it.
const SLOT_TTL: Duration = Duration::from_secs(60);

/// One of a user's `LIVE_STREAMS_PER_USER` stream slots, renewed while the stream is open and given back when it
/// closes (the guard is dropped with the stream).
struct StreamSlot(tokio_util::sync::CancellationToken);

impl StreamSlot {
    fn hold(redis: backend::redis::Redis, lease: Lease) -> StreamSlot {
        let token = tokio_util::sync::CancellationToken::new();
        let closed = token.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = closed.cancelled() => break,
                    _ = tokio::time::sleep(SLOT_TTL / 3) => {
                        if let Err(e) = lease.renew(&redis, SLOT_TTL).await {
                            tracing::warn!(error = format!("{e:#}"), "renewing a live stream slot failed");
                        }
                    }
                }
            }
            lease.release(&redis).await;
        });
        StreamSlot(token)
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// `GET /api/events`: the signed-in user's live events as Server-Sent Events; 401 without a session, 429 when the
/// user already holds `LIVE_STREAMS_PER_USER` streams open.
pub async fn events(
    State(hub): State<Arc<EventHub>>,
    State(app): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    headers: HeaderMap,
) -> Response {
    let Some(user_id) = user.0 else {
        return (StatusCode::UNAUTHORIZED, "sign in to receive live events").into_response();
    };
    let max = app.config.limits.live_streams_per_user;
    let slot = match Lease::acquire(&app.redis, "live-streams", &user_id.to_string(), max, SLOT_TTL).await {
        Ok(Some(lease)) => Some(StreamSlot::hold(app.redis.clone(), lease)),
        Ok(None) => {
            tracing::info!(%user_id, max, "too many live streams open");
            return crate::limits::too_many(crate::limits::lang_of(&headers), false, SLOT_TTL / 3);
        }
        Err(e) => {
            // Fail open, like the request budget: an unreachable Redis must not stop the page's progress.
            tracing::error!(error = format!("{e:#}"), "live stream slots unavailable; allowing");
            None
        }
    };
    let stream = BroadcastStream::new(hub.subscribe(user_id)).map(move |item| {
        let _held = &slot;
        Ok::<_, Infallible>(match item {
            Ok(payload) => Event::default().data(&*payload),
            // Fell behind: the page re-reads everything from the database.
            Err(_) => Event::default().event("resync").data("{}"),
        })
    });
    // The first frame tells the browser the stream is open, so it knows when to (re)load the current state.
    let hello = tokio_stream::once(Ok(Event::default().event("ready").data("{}")));
    Sse::new(hello.chain(stream)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}
