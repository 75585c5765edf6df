//! `/admin`, the console of site operators: users (search, filters, detail, plan, minutes, block), the job queues
//! with their dead jobs (retry, discard), AI cost per day and provider, and the audit log. Anyone who is not an
//! operator gets the 404 page, and every `admin/*` server function answers them 404 as well.

use domain::{
    PLANS, TextEnum as _, UsageKind,
    account::Me,
    admin::{AuditEntry, CostRow, DeadJob, QueueRow, SignedUp, UserDetail, UserRow, UserStatus},
};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        AdminBlock, AdminDiscardJob, AdminGrantMinutes, AdminRetryJob, AdminSetPlan, AdminUnblock, ApiError,
        admin_audit, admin_costs, admin_dead_jobs, admin_queues, admin_user, admin_users,
    },
    i18n::use_i18n,
    pages::{NotFound, auth::RequireUser, section::AppLayout},
};

/// `/admin`.
#[component]
pub fn AdminPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || format!("{} · {}", i18n.t().admin.title, i18n.t().app_name) />
        <RequireUser children=move |me: Me| {
            if me.is_admin {
                view! { <AppLayout me><Console /></AppLayout> }.into_any()
            } else {
                view! { <NotFound /> }.into_any()
            }
        } />
    }
}

/// A read that failed, as the console shows it.
fn failed(e: ApiError) -> AnyView {
    let i18n = use_i18n();
    view! { <p class="form-error" role="alert">{e.message(i18n.t())}</p> }.into_any()
}

/// One section of the console: a card with its heading.
#[component]
fn Panel(
    testid: &'static str,
    heading: fn(&'static domain::i18n::AdminText) -> &'static str,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card an-section" data-testid=testid>
            <h2>{move || heading(&i18n.t().admin)}</h2>
            {children()}
        </section>
    }
    .into_any()
}

/// Bumped after every change, so every list reads the database again.
#[derive(Clone, Copy)]
struct Reload(RwSignal<u32>);

impl Reload {
    fn bump(self) {
        self.0.update(|n| *n += 1);
    }
}

/// Bumps `reload` whenever `action` succeeds; returns its error message, if any, to show.
fn after<A>(action: ServerAction<A>, reload: Reload) -> Signal<Option<String>>
where
    A: leptos::server_fn::ServerFn<Output = (), Error = ApiError> + Clone + Send + Sync + 'static,
{
    let i18n = use_i18n();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            reload.bump();
        }
    });
    Signal::derive(move || action.value().get().and_then(Result::err).map(|e| e.message(i18n.t())))
}

#[component]
fn Console() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().admin;
    let reload = Reload(RwSignal::new(0));
    view! {
        <h1>{move || t().title}</h1>
        <p class="muted">{move || t().intro}</p>
        <Users reload />
        <Queues reload />
        <Costs />
        <Audit reload />
    }
    .into_any()
}

/// The filter the users list was asked for.
#[derive(Debug, Clone, Default, PartialEq)]
struct Filter {
    search: String,
    plan: String,
    status: String,
    signed_up: String,
    page: u32,
}

#[component]
fn Users(reload: Reload) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().admin;
    let filter = RwSignal::new(Filter::default());
    let selected: RwSignal<Option<String>> = RwSignal::new(None);
    let list = Resource::new(
        move || (filter.get(), reload.0.get()),
        |(f, _)| admin_users(f.search, f.plan, f.status, f.signed_up, Some(f.page)),
    );
    let (search, plan, status, signed_up) =
        (NodeRef::<leptos::html::Input>::new(), NodeRef::new(), NodeRef::new(), NodeRef::new());
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = |r: NodeRef<leptos::html::Select>| r.get_untracked().map(|s| s.value()).unwrap_or_default();
        filter.set(Filter {
            search: search.get_untracked().map(|i| i.value()).unwrap_or_default(),
            plan: value(plan),
            status: value(status),
            signed_up: value(signed_up),
            page: 0,
        });
    };
    let table = move || {
        list.get().map(|r| match r {
            Err(e) => failed(e),
            Ok(rows) if rows.is_empty() => view! { <p class="muted" data-testid="admin-no-users">{move || t().no_users}</p> }.into_any(),
            Ok(rows) => {
                let full = rows.len() == domain::admin::USERS_PAGE;
                view! {
                    <table class="an-table">
                        <thead>
                            <tr>{(0..6).map(|i| view! { <th>{move || t().user_columns[i]}</th> }).collect_view()}<th></th></tr>
                        </thead>
                        <tbody>{rows.into_iter().map(|row| view! { <UserLine row selected /> }).collect_view()}</tbody>
                    </table>
                    <div class="toolbar">
                        <button class="btn small" disabled=move || filter.with(|f| f.page == 0) on:click=move |_| filter.update(|f| f.page = f.page.saturating_sub(1))>
                            {move || t().prev_page}
                        </button>
                        <button class="btn small" disabled=!full on:click=move |_| filter.update(|f| f.page += 1)>
                            {move || t().next_page}
                        </button>
                    </div>
                }
                .into_any()
            }
        })
    };
    view! {
        <Panel testid="admin-users" heading=|t| t.users_heading>
            <form class="admin-filters" on:submit=apply>
                <label>
                    <span class="muted small">{move || t().search_label}</span>
                    <input type="search" data-testid="admin-search" node_ref=search />
                </label>
                <label>
                    <span class="muted small">{move || t().filter_plan}</span>
                    <select data-testid="admin-filter-plan" node_ref=plan>
                        <option value="">{move || t().any}</option>
                        {PLANS
                            .iter()
                            .enumerate()
                            .map(|(i, p)| view! { <option value=p.id.as_str()>{move || i18n.t().plan_names[i]}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    <span class="muted small">{move || t().filter_status}</span>
                    <select data-testid="admin-filter-status" node_ref=status>
                        <option value="">{move || t().any}</option>
                        {UserStatus::ALL
                            .iter()
                            .enumerate()
                            .map(|(i, s)| view! { <option value=s.as_str()>{move || t().status_names[i]}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    <span class="muted small">{move || t().filter_signed_up}</span>
                    <select data-testid="admin-filter-signed-up" node_ref=signed_up>
                        <option value="">{move || t().any}</option>
                        {SignedUp::ALL
                            .iter()
                            .enumerate()
                            .map(|(i, s)| view! { <option value=s.as_str()>{move || t().signed_up_names[i]}</option> })
                            .collect_view()}
                    </select>
                </label>
                <button class="btn btn-primary" type="submit" data-testid="admin-apply">{move || t().apply}</button>
            </form>
            <Transition fallback=|| view! { <div class="loading" aria-busy="true"></div> }>{table}</Transition>
            {move || selected.get().map(|id| view! { <Detail id reload /> })}
        </Panel>
    }
    .into_any()
}

fn status_index(s: UserStatus) -> usize {
    UserStatus::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

#[component]
fn UserLine(row: UserRow, selected: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().admin;
    let plan_index = PLANS.iter().position(|p| p.id == row.plan).unwrap_or(0);
    let status = row.status;
    let id = row.id.clone();
    view! {
        <tr data-testid="admin-user" data-email=row.email.clone() data-status=status.as_str()>
            <td>{row.email.clone()} {row.is_admin.then(|| view! { " " <span class="badge">{move || t().operator_badge}</span> })}</td>
            <td>{row.name.clone()}</td>
            <td>{move || i18n.t().plan_names[plan_index]}</td>
            <td>{move || t().status_names[status_index(status)]}</td>
            <td>{row.signed_up_at.get(..10).unwrap_or_default().to_owned()}</td>
            <td class="an-num">{row.minutes_used}</td>
            <td>
                <button class="btn small" data-testid="admin-open" on:click=move |_| selected.set(Some(id.clone()))>
                    {move || t().open_user}
                </button>
            </td>
        </tr>
    }
}

#[component]
fn Detail(id: String, reload: Reload) -> impl IntoView {
    let key = id.clone();
    let detail = Resource::new(move || (key.clone(), reload.0.get()), |(id, _)| admin_user(id));
    view! {
        <Transition fallback=|| view! { <div class="loading" aria-busy="true"></div> }>
            {move || {
                detail.get().map(|r| match r {
                    Err(e) => failed(e),
                    Ok(d) => view! { <DetailCard d reload /> }.into_any(),
                })
            }}
        </Transition>
    }
    .into_any()
}

#[component]
fn DetailCard(d: UserDetail, reload: Reload) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().admin;
    let set_plan = ServerAction::<AdminSetPlan>::new();
    let grant = ServerAction::<AdminGrantMinutes>::new();
    let block = ServerAction::<AdminBlock>::new();
    let unblock = ServerAction::<AdminUnblock>::new();
    let errors = [after(set_plan, reload), after(grant, reload), after(block, reload), after(unblock, reload)];
    let error = move || errors.iter().find_map(|e| e.get());
    let plan_select = NodeRef::<leptos::html::Select>::new();
    let minutes_input = NodeRef::<leptos::html::Input>::new();
    let UserDetail { user, extra_minutes, videos, clips, minutes_consumed, ai_cost_kopecks, sessions } = d;
    let blocked = user.status == UserStatus::Blocked;
    let current_plan = user.plan;
    let (id1, id2, id3) = (user.id.clone(), user.id.clone(), user.id.clone());
    let left = user.minutes_left;
    let status = user.status;
    view! {
        <div class="card admin-detail" data-testid="admin-detail" data-email=user.email.clone() data-status=status.as_str()>
            <h3>{user.email.clone()} " · " {move || t().status_names[status_index(status)]}</h3>
            <dl class="meta">
                <dt>{move || t().videos}</dt><dd data-testid="admin-videos">{videos}</dd>
                <dt>{move || t().clips}</dt><dd>{clips}</dd>
                <dt>{move || t().minutes_consumed}</dt><dd>{minutes_consumed}</dd>
                <dt>{move || t().ai_cost}</dt><dd>{domain::format_rubles(ai_cost_kopecks)}</dd>
                <dt>{move || t().minutes_left}</dt>
                <dd data-testid="admin-minutes-left">{move || left.map_or_else(|| t().unlimited.to_owned(), |l| l.to_string())}</dd>
                <dt>{move || t().extra_minutes}</dt><dd data-testid="admin-extra">{extra_minutes}</dd>
            </dl>
            <div class="admin-actions">
                <label>
                    <span class="muted small">{move || t().set_plan}</span>
                    <select data-testid="admin-plan" node_ref=plan_select>
                        {PLANS
                            .iter()
                            .enumerate()
                            .map(|(i, p)| {
                                view! { <option value=p.id.as_str() selected=p.id == current_plan>{move || i18n.t().plan_names[i]}</option> }
                            })
                            .collect_view()}
                    </select>
                </label>
                <button
                    class="btn"
                    data-testid="admin-set-plan"
                    on:click=move |_| {
                        let plan = plan_select.get_untracked().map(|s| s.value()).unwrap_or_default();
                        set_plan.dispatch(AdminSetPlan { user_id: id1.clone(), plan });
                    }
                >
                    {move || t().set_plan}
                </button>
                <label>
                    <span class="muted small">{move || t().grant_minutes}</span>
                    <input type="number" min="1" max=domain::admin::MAX_GRANT_MINUTES.to_string() value="60" data-testid="admin-grant-minutes" node_ref=minutes_input />
                </label>
                <button
                    class="btn"
                    data-testid="admin-grant"
                    on:click=move |_| {
                        let minutes = minutes_input.get_untracked().and_then(|i| i.value().parse().ok()).unwrap_or(0);
                        grant.dispatch(AdminGrantMinutes { user_id: id2.clone(), minutes });
                    }
                >
                    {move || t().grant_button}
                </button>
                {if blocked {
                    view! {
                        <button class="btn" data-testid="admin-unblock" on:click=move |_| { unblock.dispatch(AdminUnblock { user_id: id3.clone() }); }>
                            {move || t().unblock}
                        </button>
                    }
                    .into_any()
                } else {
                    view! {
                        <button
                            class="btn danger"
                            data-testid="admin-block"
                            on:click=move |_| {
                                if super::videos::confirm(t().block_confirm) {
                                    block.dispatch(AdminBlock { user_id: id3.clone() });
                                }
                            }
                        >
                            {move || t().block}
                        </button>
                    }
                    .into_any()
                }}
            </div>
            <p class="form-error" role="alert" data-testid="admin-error" hidden=move || error().is_none()>{error}</p>
            <h4>{move || t().sessions_heading}</h4>
            {if sessions.is_empty() {
                view! { <p class="muted" data-testid="admin-no-sessions">{move || t().no_sessions}</p> }.into_any()
            } else {
                let count = sessions.len().to_string();
                view! {
                    <ul class="plain" data-testid="admin-sessions" data-count=count>
                        {sessions
                            .into_iter()
                            .map(|s| {
                                let times = (s.created_at.get(..16).unwrap_or_default().replace('T', " "), s.last_used_at.get(..16).unwrap_or_default().replace('T', " "));
                                view! {
                                    <li class="small">
                                        {move || (t().session_times)(&times.0, &times.1)}
                                        " · " {s.ip.clone().unwrap_or_default()} " · " {s.user_agent.clone().unwrap_or_default()}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </div>
    }
    .into_any()
}

#[component]
fn Queues(reload: Reload) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().admin;
    let queues = Resource::new(move || reload.0.get(), |_| admin_queues());
    let dead = Resource::new(move || reload.0.get(), |_| admin_dead_jobs());
    let retry = ServerAction::<AdminRetryJob>::new();
    let discard = ServerAction::<AdminDiscardJob>::new();
    let errors = [after(retry, reload), after(discard, reload)];
    let error = move || errors.iter().find_map(|e| e.get());
    let queue_table = move || {
        queues.get().map(|r| match r {
            Err(e) => failed(e),
            Ok(rows) => view! {
                <table class="an-table">
                    <thead><tr>{(0..5).map(|i| view! { <th>{move || t().queue_columns[i]}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {rows.into_iter().map(|q: QueueRow| { let name = q.queue.clone(); view! {
                            <tr data-testid="admin-queue" data-queue=name data-dead=q.dead.to_string()>
                                <td>{q.queue}</td>
                                <td class="an-num">{q.waiting}</td>
                                <td class="an-num">{q.running}</td>
                                <td class="an-num">{q.delayed}</td>
                                <td class="an-num">{q.dead}</td>
                            </tr>
                        }}).collect_view()}
                    </tbody>
                </table>
            }
            .into_any(),
        })
    };
    let dead_list = move || {
        dead.get().map(|r| match r {
            Err(e) => failed(e),
            Ok(rows) if rows.is_empty() => view! { <p class="muted" data-testid="admin-dead-empty">{move || t().dead_empty}</p> }.into_any(),
            Ok(rows) => view! {
                <table class="an-table">
                    <thead><tr>{(0..5).map(|i| view! { <th>{move || t().dead_columns[i]}</th> }).collect_view()}<th></th></tr></thead>
                    <tbody>
                        {rows.into_iter().map(|j: DeadJob| {
                            let (q1, q2, id1, id2) = (j.queue.clone(), j.queue.clone(), j.id.clone(), j.id.clone());
                            let when = chrono_like(j.failed_at_ms);
                            let (job, name) = (j.id.clone(), j.name.clone());
                            view! {
                                <tr data-testid="admin-dead" data-job=job data-name=name>
                                    <td>{j.queue}</td>
                                    <td>{j.name} <span class="muted small">" " {j.subject.unwrap_or_default()}</span></td>
                                    <td class="an-num">{j.attempts}</td>
                                    <td class="small">{j.error}</td>
                                    <td class="small">{when}</td>
                                    <td>
                                        <button class="btn small" data-testid="admin-retry" on:click=move |_| { retry.dispatch(AdminRetryJob { queue: q1.clone(), job_id: id1.clone() }); }>
                                            {move || t().retry}
                                        </button>
                                        <button
                                            class="btn small danger"
                                            data-testid="admin-discard"
                                            on:click=move |_| {
                                                if super::videos::confirm(t().discard_confirm) {
                                                    discard.dispatch(AdminDiscardJob { queue: q2.clone(), job_id: id2.clone() });
                                                }
                                            }
                                        >
                                            {move || t().discard}
                                        </button>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any(),
        })
    };
    view! {
        <Panel testid="admin-queues" heading=|t| t.queues_heading>
            <Transition fallback=|| ()>{queue_table}</Transition>
            <h3>{move || t().dead_heading}</h3>
            <p class="form-error" role="alert" hidden=move || error().is_none()>{error}</p>
            <Transition fallback=|| ()>{dead_list}</Transition>
        </Panel>
    }
    .into_any()
}

/// `YYYY-MM-DD HH:MM` (UTC) of a Unix time in milliseconds.
fn chrono_like(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (day, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let date = domain::analytics::iso_date(day * 86_400);
    format!("{date} {:02}:{:02}", rest / 3600, (rest % 3600) / 60)
}

#[component]
fn Costs() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().admin;
    let costs = Resource::new(|| (), |_| admin_costs());
    let kind = move |k: UsageKind| t().kind_names[UsageKind::ALL.iter().position(|x| *x == k).unwrap_or(0)];
    let table = move || {
        costs.get().map(|r| match r {
            Err(e) => failed(e),
            Ok(rows) if rows.is_empty() => view! { <p class="muted">{move || t().costs_empty}</p> }.into_any(),
            Ok(rows) => view! {
                <table class="an-table">
                    <thead><tr>{(0..6).map(|i| view! { <th>{move || t().cost_columns[i]}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {rows.into_iter().map(|c: CostRow| {
                            let k = c.kind;
                            let provider = c.provider.clone();
                            view! {
                                <tr data-testid="admin-cost" data-provider=provider data-kind=k.as_str()>
                                    <td>{c.day}</td>
                                    <td>{move || kind(k)}</td>
                                    <td>{c.provider}</td>
                                    <td class="an-num">{c.calls}</td>
                                    <td class="an-num">{c.minutes}</td>
                                    <td class="an-num">{domain::format_rubles(c.cost_kopecks)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any(),
        })
    };
    view! {
        <Panel testid="admin-costs" heading=|t| t.costs_heading>
            <Transition fallback=|| ()>{table}</Transition>
        </Panel>
    }
    .into_any()
}

#[component]
fn Audit(reload: Reload) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().admin;
    let log = Resource::new(move || reload.0.get(), |_| admin_audit());
    let table = move || {
        log.get().map(|r| match r {
            Err(e) => failed(e),
            Ok(rows) if rows.is_empty() => view! { <p class="muted">{move || t().audit_empty}</p> }.into_any(),
            Ok(rows) => view! {
                <table class="an-table">
                    <thead><tr>{(0..5).map(|i| view! { <th>{move || t().audit_columns[i]}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {rows.into_iter().map(|a: AuditEntry| {
                            let action = a.action;
                            let index = domain::AdminAction::ALL.iter().position(|x| *x == action).unwrap_or(0);
                            let admin = a.admin.clone();
                            let target_user = a.target_user.clone().unwrap_or_default();
                            view! {
                                <tr data-testid="admin-audit" data-action=action.as_str() data-target=target_user>
                                    <td class="small">{a.at.get(..16).unwrap_or_default().replace('T', " ")}</td>
                                    <td>{move || admin.clone().unwrap_or_else(|| t().command_line.to_owned())}</td>
                                    <td>{move || t().action_names[index]}</td>
                                    <td>{a.target_user.unwrap_or_default()} " " <span class="muted small">{a.target}</span></td>
                                    <td class="small"><code>{a.details}</code></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any(),
        })
    };
    view! {
        <Panel testid="admin-audit-log" heading=|t| t.audit_heading>
            <Transition fallback=|| ()>{table}</Transition>
        </Panel>
    }
    .into_any()
}
