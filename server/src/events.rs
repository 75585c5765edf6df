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
    http::StatusCode,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use backend::{accounts::web::CurrentUser, config::RedisConfig};
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

/// `GET /api/events`: the signed-in user's live events as Server-Sent Events; 401 without a session.
pub async fn events(State(hub): State<Arc<EventHub>>, Extension(user): Extension<CurrentUser>) -> Response {
    let Some(user_id) = user.0 else {
        return (StatusCode::UNAUTHORIZED, "sign in to receive live events").into_response();
    };
    let stream = BroadcastStream::new(hub.subscribe(user_id)).map(|item| {
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
