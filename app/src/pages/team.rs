//! `/team` (create a team, or manage the one the user is in) and `/invite/:token` (accept an invite).

use domain::{
    TeamRole, TextEnum as _,
    account::Me,
    teams::{TeamView, can_grant, can_manage},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::{
        TeamAccept, TeamCreate, TeamDelete, TeamInvite, TeamLeave, TeamRemove, TeamRename, TeamRevoke, TeamSetRole,
        TeamTransfer, get_me, team_get, team_invite_preview,
    },
    components::{Brand, LangSwitch},
    i18n::use_i18n,
    pages::{
        auth::{RequireUser, error_for, go_to},
        section::AppLayout,
    },
};

/// The index of a role in the dictionaries' role arrays.
fn role_index(role: TeamRole) -> usize {
    TeamRole::ALL.iter().position(|r| *r == role).unwrap_or(3)
}

/// `/team`
#[component]
pub fn TeamPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || format!("{} · {}", i18n.t().team.title, i18n.t().app_name) />
        <RequireUser children=|me: Me| {
            view! {
                <AppLayout me=me.clone()>
                    <TeamBody me />
                </AppLayout>
            }
        } />
    }
}

#[component]
fn TeamBody(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let create = ServerAction::<TeamCreate>::new();
    let rename = ServerAction::<TeamRename>::new();
    let invite = ServerAction::<TeamInvite>::new();
    let revoke = ServerAction::<TeamRevoke>::new();
    let set_role = ServerAction::<TeamSetRole>::new();
    let remove = ServerAction::<TeamRemove>::new();
    let transfer = ServerAction::<TeamTransfer>::new();
    let leave = ServerAction::<TeamLeave>::new();
    let delete = ServerAction::<TeamDelete>::new();
    let team = Resource::new(
        move || {
            (
                create.version().get(),
                rename.version().get(),
                invite.version().get(),
                revoke.version().get(),
                set_role.version().get(),
                remove.version().get(),
                transfer.version().get(),
                leave.version().get(),
                delete.version().get(),
            )
        },
        |_| team_get(),
    );
    let actions = Actions { rename, invite, revoke, set_role, remove, transfer, leave, delete };
    let me_id = me.id.clone();
    view! {
        <h1>{move || i18n.t().team.title}</h1>
        <Transition fallback=|| view! { <div class="loading" aria-busy="true"></div> }>
            {move || {
                let me_id = me_id.clone();
                team.get()
                    .map(move |r| match r {
                        Ok(None) => view! { <NoTeam create /> }.into_any(),
                        Ok(Some(t)) => view! { <Team team=t me_id actions /> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.message(i18n.t())}</p> }.into_any(),
                    })
            }}
        </Transition>
    }
}

/// The actions of the team page, shared by its parts.
#[derive(Clone, Copy)]
struct Actions {
    rename: ServerAction<TeamRename>,
    invite: ServerAction<TeamInvite>,
    revoke: ServerAction<TeamRevoke>,
    set_role: ServerAction<TeamSetRole>,
    remove: ServerAction<TeamRemove>,
    transfer: ServerAction<TeamTransfer>,
    leave: ServerAction<TeamLeave>,
    delete: ServerAction<TeamDelete>,
}

#[component]
fn NoTeam(create: ServerAction<TeamCreate>) -> impl IntoView {
    let i18n = use_i18n();
    let error = error_for(create.value(), None);
    view! {
        <div class="card" data-testid="no-team">
            <p>{move || i18n.t().teams.none_intro}</p>
            <ActionForm action=create attr:class="form">
                <label class="field">
                    <span>{move || i18n.t().teams.name_label}</span>
                    <input type="text" name="name" required maxlength=domain::teams::NAME_MAX />
                </label>
                <p class="form-error" role="alert">{error}</p>
                <button class="btn btn-primary" type="submit">{move || i18n.t().teams.create}</button>
            </ActionForm>
        </div>
    }
}

#[component]
fn Team(team: TeamView, me_id: String, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let my_role = team.my_role;
    let may = move |a: domain::Action| domain::teams::allows(my_role, a);
    let errors = [
        error_for(actions.rename.value(), None),
        error_for(actions.set_role.value(), None),
        error_for(actions.remove.value(), None),
        error_for(actions.revoke.value(), None),
        error_for(actions.transfer.value(), None),
        error_for(actions.leave.value(), None),
        error_for(actions.delete.value(), None),
    ];
    let error = move || errors.iter().find_map(|e| e.get());
    let (used, included, taken, seats) = (team.minutes_used, team.minutes_included, team.members.len(), team.seats);
    let members = team.members.clone();
    let others: Vec<(String, String)> = team
        .members
        .iter()
        .filter(|m| m.user_id != me_id)
        .map(|m| (m.user_id.clone(), if m.name.trim().is_empty() { m.email.clone() } else { m.name.clone() }))
        .collect();
    view! {
        <p class="muted" data-testid="team-name">
            <strong>{team.name.clone()}</strong>
            " · "
            {move || i18n.t().teams.roles[role_index(my_role)]}
        </p>
        <p class="form-error" role="alert" data-testid="team-error">{error}</p>
        <div class="card">
            <p>{move || (i18n.t().teams.usage)(used, included)}</p>
            <p>{move || (i18n.t().teams.seats)(taken, seats)}</p>
        </div>
        {may(domain::Action::Rename)
            .then(|| {
                let name = team.name.clone();
                view! {
                    <div class="card">
                        <ActionForm action=actions.rename attr:class="form form-inline">
                            <label class="field">
                                <span>{move || i18n.t().teams.name_label}</span>
                                <input type="text" name="name" required maxlength=domain::teams::NAME_MAX value=name />
                            </label>
                            <button class="btn" type="submit">{move || i18n.t().teams.rename}</button>
                        </ActionForm>
                    </div>
                }
            })}
        <div class="card">
            <h2>{move || i18n.t().teams.members}</h2>
            <div class="table-scroll">
                <table class="members" data-testid="members">
                    <thead>
                        <tr>
                            {(0..4).map(|i| view! { <th>{move || i18n.t().teams.columns[i]}</th> }).collect_view()}
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>
                        {members
                            .into_iter()
                            .map(|m| {
                                let is_me = m.user_id == me_id;
                                let manageable = !is_me && can_manage(my_role, m.role);
                                let label = if m.name.trim().is_empty() { m.email.clone() } else { format!("{} · {}", m.name, m.email) };
                                let who = if m.name.trim().is_empty() { m.email.clone() } else { m.name.clone() };
                                let (id_role, id_remove) = (m.user_id.clone(), m.user_id.clone());
                                let role = m.role;
                                view! {
                                    <tr data-testid="member">
                                        <td>
                                            {label}
                                            {is_me.then(|| view! { <span class="badge">{move || i18n.t().teams.you}</span> })}
                                        </td>
                                        <td>
                                            {if manageable {
                                                view! {
                                                    <select
                                                        aria-label=move || i18n.t().teams.invite_role
                                                        on:change=move |ev| {
                                                            if let Ok(role) = TeamRole::parse(&event_target_value(&ev)) {
                                                                actions.set_role.dispatch(TeamSetRole { user_id: id_role.clone(), role });
                                                            }
                                                        }
                                                    >
                                                        {TeamRole::ALL
                                                            .iter()
                                                            .filter(|r| **r == role || can_grant(my_role, **r))
                                                            .map(|r| {
                                                                let r = *r;
                                                                view! {
                                                                    <option value=r.as_str() selected=r == role>
                                                                        {move || i18n.t().teams.roles[role_index(r)]}
                                                                    </option>
                                                                }
                                                            })
                                                            .collect_view()}
                                                    </select>
                                                }
                                                    .into_any()
                                            } else {
                                                view! { <span>{move || i18n.t().teams.roles[role_index(role)]}</span> }.into_any()
                                            }}
                                        </td>
                                        <td>{m.minutes_used}</td>
                                        <td>{m.videos}</td>
                                        <td>
                                            {manageable
                                                .then(|| {
                                                    view! {
                                                        <button
                                                            class="btn btn-ghost"
                                                            on:click=move |_| {
                                                                if crate::pages::videos::confirm(&(i18n.t().teams.remove_confirm)(&who)) {
                                                                    actions.remove.dispatch(TeamRemove { user_id: id_remove.clone() });
                                                                }
                                                            }
                                                        >
                                                            {move || i18n.t().teams.remove}
                                                        </button>
                                                    }
                                                })}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
            <ul class="muted role-hints">
                {(0..4)
                    .map(|i| {
                        view! {
                            <li>
                                <strong>{move || i18n.t().teams.roles[i]}</strong>
                                " — "
                                {move || i18n.t().teams.role_hints[i]}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
        {may(domain::Action::Invite).then(|| view! { <InviteCard team=team.clone() actions /> })}
        <div class="card danger-zone">
            <h2>{move || i18n.t().teams.danger}</h2>
            {(my_role != TeamRole::Owner)
                .then(|| {
                    view! {
                        <button
                            class="btn"
                            data-testid="leave-team"
                            on:click=move |_| {
                                if crate::pages::videos::confirm(i18n.t().teams.leave_confirm) {
                                    actions.leave.dispatch(TeamLeave {});
                                }
                            }
                        >
                            {move || i18n.t().teams.leave}
                        </button>
                    }
                })}
            {(my_role == TeamRole::Owner)
                .then(|| {
                    let transfer_to = RwSignal::new(others.first().map(|o| o.0.clone()).unwrap_or_default());
                    let names = others.clone();
                    view! {
                        {(!others.is_empty())
                            .then(|| {
                                view! {
                                    <div class="form form-inline">
                                        <label class="field">
                                            <span>{move || i18n.t().teams.transfer_label}</span>
                                            <select on:change=move |ev| transfer_to.set(event_target_value(&ev))>
                                                {others
                                                    .iter()
                                                    .map(|(id, name)| view! { <option value=id.clone()>{name.clone()}</option> })
                                                    .collect_view()}
                                            </select>
                                        </label>
                                        <button
                                            class="btn"
                                            on:click=move |_| {
                                                let to = transfer_to.get_untracked();
                                                let name = names.iter().find(|(id, _)| *id == to).map(|(_, n)| n.clone()).unwrap_or_default();
                                                if crate::pages::videos::confirm(&(i18n.t().teams.transfer_confirm)(&name)) {
                                                    actions.transfer.dispatch(TeamTransfer { user_id: to });
                                                }
                                            }
                                        >
                                            {move || i18n.t().teams.transfer}
                                        </button>
                                    </div>
                                }
                            })}
                        <button
                            class="btn btn-danger"
                            data-testid="delete-team"
                            on:click=move |_| {
                                if crate::pages::videos::confirm(i18n.t().teams.delete_confirm) {
                                    actions.delete.dispatch(TeamDelete {});
                                }
                            }
                        >
                            {move || i18n.t().teams.delete}
                        </button>
                    }
                })}
        </div>
    }
}

#[component]
fn InviteCard(team: TeamView, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let my_role = team.my_role;
    let error = error_for(actions.invite.value(), None);
    let created = move || actions.invite.value().get().and_then(|r| r.ok());
    view! {
        <div class="card">
            <h2>{move || i18n.t().teams.invite_heading}</h2>
            <ActionForm action=actions.invite attr:class="form" attr:data-testid="invite-form">
                <label class="field">
                    <span>{move || i18n.t().teams.invite_email}</span>
                    <input type="email" name="email" autocomplete="off" />
                    <small class="muted">{move || i18n.t().teams.invite_email_hint}</small>
                </label>
                <label class="field">
                    <span>{move || i18n.t().teams.invite_role}</span>
                    <select name="role">
                        {TeamRole::ALL
                            .iter()
                            .filter(|r| can_grant(my_role, **r))
                            .map(|r| {
                                let r = *r;
                                view! {
                                    <option value=r.as_str() selected=r == TeamRole::Member>
                                        {move || i18n.t().teams.roles[role_index(r)]}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>{move || i18n.t().teams.invite_days}</span>
                    <input
                        type="number"
                        name="days"
                        min="1"
                        max=domain::teams::INVITE_DAYS_MAX
                        value=domain::teams::INVITE_DAYS_DEFAULT
                    />
                </label>
                <label class="field">
                    <span>{move || i18n.t().teams.invite_uses}</span>
                    <input type="number" name="max_uses" min="1" max=domain::teams::INVITE_USES_MAX value="1" />
                </label>
                <p class="form-error" role="alert">{error}</p>
                <button class="btn btn-primary" type="submit">{move || i18n.t().teams.invite_submit}</button>
            </ActionForm>
            {move || {
                created()
                    .map(|c| {
                        view! {
                            <div class="notice" role="status" data-testid="invite-created">
                                {if c.mailed {
                                    view! { <p>{move || i18n.t().teams.invite_mailed}</p> }.into_any()
                                } else {
                                    view! {
                                        <p>{move || i18n.t().teams.invite_created}</p>
                                        <input type="text" readonly value=c.url.clone() data-testid="invite-url" />
                                    }
                                        .into_any()
                                }}
                            </div>
                        }
                    })
            }}
            <h3>{move || i18n.t().teams.pending}</h3>
            {if team.invites.is_empty() {
                view! { <p class="muted">{move || i18n.t().teams.pending_none}</p> }.into_any()
            } else {
                view! {
                    <ul class="pending-invites" data-testid="pending-invites">
                        {team
                            .invites
                            .iter()
                            .map(|inv| {
                                let id = inv.id.clone();
                                let who = inv.email.clone();
                                let (role, uses, max) = (inv.role, inv.uses, inv.max_uses);
                                let until: String = inv.expires_at.chars().take(10).collect();
                                view! {
                                    <li>
                                        <span>{move || who.clone().unwrap_or_else(|| i18n.t().teams.link_label.to_owned())}</span>
                                        " · "
                                        <span class="muted">
                                            {move || (i18n.t().teams.pending_line)(i18n.t().teams.roles[role_index(role)], uses, max, &until)}
                                        </span>
                                        <button
                                            class="btn btn-ghost"
                                            on:click=move |_| {
                                                actions.revoke.dispatch(TeamRevoke { invite_id: id.clone() });
                                            }
                                        >
                                            {move || i18n.t().teams.revoke}
                                        </button>
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
}

/// `/invite/:token`: who invites to which team with which role, and a button to join; visitors sign in or sign up
/// first and come back here.
#[component]
pub fn InvitePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let preview = Resource::new(token, team_invite_preview);
    let me = Resource::new(|| (), |_| get_me());
    let accept = ServerAction::<TeamAccept>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = accept.value().get() {
            go_to("/team");
        }
    });
    let error = error_for(accept.value(), None);
    view! {
        <Title text=move || format!("{} · ClipMaker", i18n.t().teams.invite_title) />
        <main class="auth-page">
            <div class="auth-top">
                <Brand />
                <LangSwitch />
            </div>
            <div class="card auth-card" data-testid="invite-page">
                <h1>{move || i18n.t().teams.invite_title}</h1>
                <Suspense fallback=|| view! { <div class="loading" aria-busy="true"></div> }>
                    {move || {
                        let (p, me) = (preview.get()?, me.get()?);
                        let next = format!("/invite/{}", token());
                        Some(match p {
                            Err(e) => {
                                view! {
                                    <p class="form-error" role="alert" data-testid="invite-error">{e.message(i18n.t())}</p>
                                    <p class="muted">{move || i18n.t().teams.invite_broken_hint}</p>
                                    <a class="btn" href="/dashboard">{move || i18n.t().dashboard.title}</a>
                                }
                                    .into_any()
                            }
                            Ok(p) => {
                                let text = move || {
                                    (i18n.t().teams.invite_text)(&p.invited_by, &p.team, i18n.t().teams.roles[role_index(p.role)])
                                };
                                let signed_in = matches!(me, Ok(Some(_)));
                                view! {
                                    <p data-testid="invite-text">{text}</p>
                                    {if signed_in {
                                        view! {
                                            <p class="form-error" role="alert" data-testid="form-error">{error}</p>
                                            <button
                                                class="btn btn-primary"
                                                data-testid="join-team"
                                                on:click=move |_| {
                                                    accept.dispatch(TeamAccept { token: token() });
                                                }
                                            >
                                                {move || i18n.t().teams.join}
                                            </button>
                                            <a class="btn btn-ghost" href="/team">{move || i18n.t().teams.to_team}</a>
                                        }
                                            .into_any()
                                    } else {
                                        view! {
                                            <p class="muted">{move || i18n.t().teams.sign_in_first}</p>
                                            <a class="btn btn-primary" href=format!("/login?next={next}")>
                                                {move || i18n.t().auth.submit_login}
                                            </a>
                                            <a class="btn" data-testid="invite-register" href=format!("/register?next={next}")>
                                                {move || i18n.t().auth.submit_register}
                                            </a>
                                        }
                                            .into_any()
                                    }}
                                }
                                    .into_any()
                            }
                        })
                    }}
                </Suspense>
            </div>
        </main>
    }
}
