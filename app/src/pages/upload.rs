//! Adding videos on the videos page: drop or pick a file (S3 multipart: 4 parts in flight, through the app with
//! `USE_S3_PROXY`, otherwise straight to S3 by presigned URLs; progress with speed and time left, cancel, resume
//! after a reload or a dropped connection), or paste a link to import.
//!
//! Resuming: the browser remembers each unfinished upload in `localStorage` under the file's name, size and
//! modification time. Picking the same file again asks the server which parts are stored and sends only the rest.

use leptos::prelude::*;

use crate::{api::ImportUrl, components::ProgressBar, i18n::use_i18n, vault_session::VaultSession};

/// Where an upload is. (Only the browser drives uploads; the server renders the empty state.)
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub enum Phase {
    /// Parts are being sent.
    Sending,
    /// The server is assembling and checking the file.
    Finishing,
    /// Stored; the worker takes over.
    Done,
    /// Stopped by the user.
    Cancelled,
    /// Failed with this message.
    Failed(String),
}

/// The state the progress bar shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// File name.
    pub name: String,
    /// Bytes in the file.
    pub total: u64,
    /// Bytes stored so far (including parts stored before a resume).
    pub done: u64,
    /// Bytes per second since this attempt started.
    pub speed: f64,
    /// Where it is.
    pub phase: Phase,
}

impl Progress {
    fn percent(&self) -> u8 {
        (self.done * 100).checked_div(self.total).map_or(0, |p| p.min(100) as u8)
    }

    fn seconds_left(&self) -> Option<u64> {
        (self.speed > 0.0).then(|| ((self.total - self.done.min(self.total)) as f64 / self.speed).ceil() as u64)
    }
}

fn human_bytes(n: f64) -> String {
    if n >= 1024.0 * 1024.0 { format!("{:.1} MB", n / 1024.0 / 1024.0) } else { format!("{:.0} KB", n / 1024.0) }
}

/// The drop zone, file picker, upload progress and link import. `on_change` runs when a video was added.
#[component]
pub fn Uploader(on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let progress: RwSignal<Option<Progress>> = RwSignal::new(None);
    let cancel = RwSignal::new(false);
    let dragging = RwSignal::new(false);
    let import = ServerAction::<ImportUrl>::new();
    let vault = VaultSession::get();
    let url_input = NodeRef::<leptos::html::Input>::new();
    let sealing = RwSignal::new(false);
    let import_path = <ImportUrl as leptos::server_fn::ServerFn>::PATH;
    // Seals the keys (when the vault is open) before the import request goes; without wasm the form posts itself.
    let submit_import = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(url) = url_input.get_untracked().map(|i| i.value()) else { return };
        sealing.set(true);
        leptos::task::spawn_local(async move {
            crate::api::send_keys_with_next(vault.sealed_header(None).await);
            import.dispatch(ImportUrl { url });
            sealing.set(false);
        });
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = import.value().get() {
            on_change.run(());
        }
    });
    #[allow(unused_variables)]
    let start = move |file: Option<send_file::File>| {
        #[cfg(feature = "hydrate")]
        if let Some(file) = file {
            cancel.set(false);
            leptos::task::spawn_local(browser::upload(file.0, i18n.t(), progress, cancel, on_change, vault));
        }
    };
    let busy = move || matches!(progress.get(), Some(Progress { phase: Phase::Sending | Phase::Finishing, .. }));
    let import_error = move || import.value().get().and_then(|r| r.err()).map(|e| e.message(i18n.t()));
    let t = move || &i18n.t().uploads;
    view! {
        <section class="card uploader" aria-label=move || t().title>
            <label
                class="drop-zone"
                class:dragging=move || dragging.get()
                data-testid="drop-zone"
                on:dragover=move |ev| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |ev| {
                    ev.prevent_default();
                    dragging.set(false);
                    start(send_file::from_drop(&ev));
                }
            >
                <strong>{move || t().drop_here}</strong>
                <span class="muted small">{move || t().formats}</span>
                // The browser's own file control says "Choose File / No file chosen" in the browser's language, not
                // the page's: it is hidden (still focusable) and the label shows a translated button instead.
                <input
                    class="visually-hidden"
                    type="file"
                    accept="video/*,audio/*,.mkv,.ts"
                    data-testid="file-input"
                    disabled=busy
                    on:change=move |ev| start(send_file::from_input(&ev))
                />
                <span class="btn btn-primary" aria-hidden="true">{move || t().choose_file}</span>
            </label>
            {move || {
                progress
                    .get()
                    .map(|p| {
                        let pct = p.percent();
                        let status = match &p.phase {
                            Phase::Sending => {
                                let left = p
                                    .seconds_left()
                                    .map(|s| (t().time_left)(s))
                                    .unwrap_or_default();
                                format!("{pct}% · {}/s · {left}", human_bytes(p.speed))
                            }
                            Phase::Finishing => t().finishing.to_owned(),
                            Phase::Done => t().done.to_owned(),
                            Phase::Cancelled => t().cancelled.to_owned(),
                            Phase::Failed(m) => m.clone(),
                        };
                        let failed = matches!(p.phase, Phase::Failed(_));
                        view! {
                            <div class="upload-progress" data-testid="upload-progress" data-phase=format!("{:?}", p.phase).to_lowercase()>
                                <p class="small"><strong>{p.name.clone()}</strong></p>
                                <ProgressBar percent=pct label=Signal::derive(move || t().title) testid="upload-bar" />
                                <p class="small" class:form-error=failed role=failed.then_some("alert")>{status}</p>
                            </div>
                        }
                    })
            }}
            // Drawn only while something is uploading (a `hidden` attribute loses to `.btn`'s display rule).
            <Show when=busy>
                <button class="btn" data-testid="upload-cancel" on:click=move |_| cancel.set(true)>
                    {move || t().cancel}
                </button>
            </Show>
            <div class="import-form">
            <form action=import_path method="post" on:submit=submit_import>
                <label class="muted small" for="import-url">{move || t().import_label}</label>
                <div class="import-row">
                    <input id="import-url" name="url" type="url" required placeholder="https://" data-testid="import-url" node_ref=url_input />
                    <button class="btn" type="submit" disabled=move || import.pending().get() || sealing.get()>{move || t().import_button}</button>
                </div>
                <p class="form-error" role="alert" hidden=move || import_error().is_none()>{import_error}</p>
            </form>
            </div>
        </section>
    }
}

/// A browser `File` that can sit in reactive state (it never leaves the browser's thread).
mod send_file {
    #[cfg(feature = "hydrate")]
    pub struct File(pub web_sys::File);
    #[cfg(not(feature = "hydrate"))]
    pub struct File;

    #[allow(unused_variables)]
    pub fn from_input(ev: &leptos::ev::Event) -> Option<File> {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast as _;
            let input: web_sys::HtmlInputElement = ev.target()?.dyn_into().ok()?;
            let file = input.files()?.get(0)?;
            input.set_value("");
            Some(File(file))
        }
        #[cfg(not(feature = "hydrate"))]
        None
    }

    #[allow(unused_variables)]
    pub fn from_drop(ev: &leptos::ev::DragEvent) -> Option<File> {
        #[cfg(feature = "hydrate")]
        {
            Some(File(ev.data_transfer()?.files()?.get(0)?))
        }
        #[cfg(not(feature = "hydrate"))]
        None
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::{cell::RefCell, collections::VecDeque, rc::Rc};

    use wasm_bindgen::JsCast as _;
    use wasm_bindgen_futures::JsFuture;

    use domain::upload::PARALLEL_PARTS;

    use super::*;
    use crate::api::{ApiError, upload_abort, upload_complete, upload_part_url, upload_parts, upload_start};

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok()?
    }

    fn memory_key(file: &web_sys::File) -> String {
        format!("cm-upload:{}:{}:{}", file.name(), file.size() as u64, file.last_modified() as u64)
    }

    fn now_ms() -> f64 {
        js_sys::Date::now()
    }

    async fn bytes_of(blob: &web_sys::Blob) -> Option<Vec<u8>> {
        let buf = JsFuture::from(blob.array_buffer()).await.ok()?;
        Some(js_sys::Uint8Array::new(&buf).to_vec())
    }

    /// PUTs one part, through the app or (`direct`) straight to S3 by a presigned URL; true when stored.
    async fn put_part(video: &str, n: u32, blob: web_sys::Blob, direct: bool) -> bool {
        let init = web_sys::RequestInit::new();
        init.set_method("PUT");
        init.set_body(&blob);
        let Some(window) = web_sys::window() else { return false };
        let url = if direct {
            match upload_part_url(video.to_owned(), n).await {
                Ok(url) => url,
                Err(_) => return false,
            }
        } else {
            format!("/api/uploads/{video}/parts/{n}")
        };
        match JsFuture::from(window.fetch_with_str_and_init(&url, &init)).await {
            Ok(res) => res.dyn_into::<web_sys::Response>().map(|r| r.ok()).unwrap_or(false),
            Err(_) => false,
        }
    }

    fn fail(progress: RwSignal<Option<Progress>>, message: String) {
        progress.update(|p| {
            if let Some(p) = p {
                p.phase = Phase::Failed(message);
            }
        });
    }

    /// Uploads (or resumes) `file`.
    pub async fn upload(
        file: web_sys::File,
        t: &'static domain::Dict,
        progress: RwSignal<Option<Progress>>,
        cancel: RwSignal<bool>,
        on_change: Callback<()>,
        vault: crate::vault_session::VaultSession,
    ) {
        let total = file.size() as u64;
        let name = file.name();
        progress.set(Some(Progress { name: name.clone(), total, done: 0, speed: 0.0, phase: Phase::Sending }));
        let key = memory_key(&file);
        let remembered = storage().and_then(|s| s.get_item(&key).ok().flatten());

        // Resume what the server already holds, or start afresh.
        let mut plan = None;
        if let Some([video, size, direct]) = remembered.as_deref().map(|e| e.split('|').collect::<Vec<_>>()).as_deref()
            && let (Ok(stored), Ok(part_size)) = (upload_parts((*video).to_owned()).await, size.parse::<u64>())
        {
            plan = Some(((*video).to_owned(), part_size, *direct == "direct", stored));
        }
        let (video, part_size, direct, stored) = match plan {
            Some(p) => p,
            None => {
                let head_blob = file.slice_with_f64_and_f64(0.0, domain::media::SNIFF_BYTES as f64);
                let head = match head_blob {
                    Ok(b) => bytes_of(&b).await.unwrap_or_default(),
                    Err(_) => Vec::new(),
                };
                let mime = file.type_();
                match upload_start(name.clone(), mime, total, head).await {
                    Ok(p) => {
                        if let Some(s) = storage() {
                            let how = if p.direct { "direct" } else { "proxy" };
                            let _ = s.set_item(&key, &format!("{}|{}|{how}", p.video_id, p.part_size));
                        }
                        on_change.run(());
                        (p.video_id, p.part_size, p.direct, Vec::new())
                    }
                    Err(e) => return fail(progress, e.message(t)),
                }
            }
        };
        let count = domain::upload::part_count(total);
        let done_before: u64 = stored.iter().filter_map(|n| domain::upload::part_len(total, *n)).sum();
        progress.update(|p| {
            if let Some(p) = p {
                p.done = done_before;
            }
        });
        let queue: Rc<RefCell<VecDeque<u32>>> =
            Rc::new(RefCell::new((1..=count).filter(|n| !stored.contains(n)).collect()));
        let started = now_ms();
        let sent = Rc::new(RefCell::new(0u64));
        let failed = Rc::new(RefCell::new(false));
        let lane = |queue: Rc<RefCell<VecDeque<u32>>>, sent: Rc<RefCell<u64>>, failed: Rc<RefCell<bool>>| {
            let (file, video) = (file.clone(), video.clone());
            async move {
                loop {
                    if cancel.get_untracked() || *failed.borrow() {
                        return;
                    }
                    let Some(n) = queue.borrow_mut().pop_front() else { return };
                    let start = u64::from(n - 1) * part_size;
                    let len = domain::upload::part_len(total, n).unwrap_or(0);
                    let Ok(blob) = file.slice_with_f64_and_f64(start as f64, (start + len) as f64) else {
                        *failed.borrow_mut() = true;
                        return;
                    };
                    // One retry per part covers a short network hiccup; a longer drop resumes on the next pick.
                    let ok = put_part(&video, n, blob.clone(), direct).await || put_part(&video, n, blob, direct).await;
                    if !ok {
                        *failed.borrow_mut() = true;
                        return;
                    }
                    *sent.borrow_mut() += len;
                    let elapsed = ((now_ms() - started) / 1000.0).max(0.001);
                    let sent_now = *sent.borrow();
                    progress.update(|p| {
                        if let Some(p) = p {
                            p.done = done_before + sent_now;
                            p.speed = sent_now as f64 / elapsed;
                        }
                    });
                }
            }
        };
        let lanes: Vec<_> = (0..PARALLEL_PARTS).map(|_| lane(queue.clone(), sent.clone(), failed.clone())).collect();
        futures::future::join_all(lanes).await;

        let forget = || {
            if let Some(s) = storage() {
                let _ = s.remove_item(&key);
            }
        };
        if cancel.get_untracked() {
            let _ = upload_abort(video.clone()).await;
            forget();
            progress.update(|p| {
                if let Some(p) = p {
                    p.phase = Phase::Cancelled;
                }
            });
            on_change.run(());
            return;
        }
        if *failed.borrow() {
            return fail(progress, t.uploads.network_failed.to_owned());
        }
        progress.update(|p| {
            if let Some(p) = p {
                p.phase = Phase::Finishing;
            }
        });
        // With the vault unlocked, the keys go sealed with the request that starts processing.
        crate::api::send_keys_with_next(vault.sealed_header(None).await);
        match upload_complete(video).await {
            Ok(()) => {
                forget();
                progress.update(|p| {
                    if let Some(p) = p {
                        p.done = p.total;
                        p.phase = Phase::Done;
                    }
                });
            }
            Err(e) => {
                if !matches!(e, ApiError::Upload(domain::upload::UploadProblem::Incomplete) | ApiError::Transport(_)) {
                    forget();
                }
                fail(progress, e.message(t));
            }
        }
        on_change.run(());
    }
}
