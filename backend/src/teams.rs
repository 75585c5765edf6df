//! Teams: shared workspaces with four roles, invite links, and the [`Actor`] every request that touches videos or
//! clips is authorised with.
//!
//! A video made while its creator is in a team belongs to the team (`videos.team_id`) and is billed to the team
//! owner's plan (`videos.billed_to`); one made outside any team belongs to its creator alone. Members see what the
//! team has, as their role allows ([`domain::teams::allows`]); leaving a team leaves its videos with it.

use chrono::{DateTime, Duration, Utc};
use diesel::{dsl::sql, pg::Pg, prelude::*, sql_types::Bool};
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use domain::{
    Email, Lang, PlanId, TeamRole, TextEnum as _,
    teams::{self as rules, Action, CreatedInvite, InvitePreview, InviteView, MemberView, NameProblem, TeamView},
};
use uuid::Uuid;

use crate::{
    AppState,
    auth::tokens,
    db::schema::{team_invites, team_members, teams, usage_records, users, videos},
    mail::Template,
};

/// A user's place in their team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    /// The team.
    pub team_id: Uuid,
    /// The user's role in it.
    pub role: TeamRole,
    /// The team's owner, whose plan the team uses.
    pub owner_id: Uuid,
}

/// Who is asking: the signed-in user and their team, if any. Built once per request by [`actor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The user.
    pub user_id: Uuid,
    /// Their team.
    pub team: Option<Membership>,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The row does not exist or the caller may not see it (HTTP 404: no existence leak).
    NotFound,
    /// The caller sees the row but their role does not allow the change (HTTP 403).
    Forbidden,
}

/// A boxed SQL condition on a query whose source includes `videos`.
pub type VideoFilter<QS> = Box<dyn BoxableExpression<QS, Pg, SqlType = Bool>>;

impl Actor {
    /// The videos this user may see: their own made outside any team, and their team's.
    pub fn sees<QS>(&self) -> VideoFilter<QS>
    where
        QS: 'static,
        videos::user_id: SelectableExpression<QS>,
        videos::team_id: SelectableExpression<QS>,
    {
        let own = videos::team_id.is_null().and(videos::user_id.eq(self.user_id));
        match self.team {
            // `team_id = $team` rather than `IS NOT DISTINCT FROM $team` (the same rows: the team id is never NULL),
            // as no index serves the latter: with it every team member's lists, counts and dashboard read the whole
            // videos table (bench/load). Written as SQL because diesel types `=` on a nullable column as nullable.
            Some(m) => Box::new(own.or(sql::<Bool>("videos.team_id = ").bind::<diesel::sql_types::Uuid, _>(m.team_id))),
            None => Box::new(own),
        }
    }

    /// Whether the user may do `action` on a row they can see that belongs to `row_team` (`None`: their own row
    /// made outside any team, where they may do anything).
    pub fn may(&self, row_team: Option<Uuid>, action: Action) -> bool {
        match (row_team, self.team) {
            (None, _) => true,
            (Some(team), Some(m)) if m.team_id == team => rules::allows(m.role, action),
            _ => false,
        }
    }

    /// Whether the user may do `action` in their own workspace (upload into the team, for example); always true
    /// outside a team.
    pub fn may_here(&self, action: Action) -> bool {
        self.team.is_none_or(|m| rules::allows(m.role, action))
    }

    /// Where a video this user adds goes: (team, who pays for it).
    pub fn workspace(&self) -> (Option<Uuid>, Uuid) {
        match self.team {
            Some(m) => (Some(m.team_id), m.owner_id),
            None => (None, self.user_id),
        }
    }
}

/// The user's team membership, if any.
pub async fn membership(conn: &mut AsyncPgConnection, user_id: Uuid) -> anyhow::Result<Option<Membership>> {
    let row: Option<(Uuid, String, Uuid)> = team_members::table
        .inner_join(teams::table)
        .filter(team_members::user_id.eq(user_id))
        .select((team_members::team_id, team_members::role, teams::owner_id))
        .first(conn)
        .await
        .optional()?;
    Ok(row.and_then(|(team_id, role, owner_id)| {
        Some(Membership { team_id, role: TeamRole::parse(&role).ok()?, owner_id })
    }))
}

/// Loads who is asking.
pub async fn actor(state: &AppState, user_id: Uuid) -> anyhow::Result<Actor> {
    let mut conn = state.db.get().await?;
    Ok(Actor { user_id, team: membership(&mut conn, user_id).await? })
}

/// Checks `action` on a video: `Ok(team)` with the video's team, or why not.
pub async fn check_video(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    video_id: Uuid,
    action: Action,
) -> Result<Option<Uuid>, AccessError> {
    let team: Option<Option<Uuid>> = videos::table
        .filter(videos::id.eq(video_id))
        .filter(actor.sees::<videos::table>())
        .select(videos::team_id)
        .first(conn)
        .await
        .optional()?;
    let team = team.ok_or(Denied::NotFound)?;
    if actor.may(team, action) { Ok(team) } else { Err(Denied::Forbidden.into()) }
}

/// Checks `action` on a clip (through its video): `Ok(video id)`, or why not.
pub async fn check_clip(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    clip_id: Uuid,
    action: Action,
) -> Result<Uuid, AccessError> {
    use crate::db::schema::clips;
    let row: Option<(Uuid, Option<Uuid>)> = clips::table
        .inner_join(videos::table)
        .filter(clips::id.eq(clip_id))
        .filter(actor.sees::<diesel::dsl::InnerJoinQuerySource<clips::table, videos::table>>())
        .select((clips::video_id, videos::team_id))
        .first(conn)
        .await
        .optional()?;
    let (video_id, team) = row.ok_or(Denied::NotFound)?;
    if actor.may(team, action) { Ok(video_id) } else { Err(Denied::Forbidden.into()) }
}

/// A refusal or a failure while checking access.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// Refused.
    #[error("{0:?}")]
    Denied(Denied),
    /// The database failed.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

crate::internal_error_from_db!(AccessError);

impl From<Denied> for AccessError {
    fn from(d: Denied) -> Self {
        AccessError::Denied(d)
    }
}

/// Why a team operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    /// The caller is in no team, or the member, invite or team does not exist (for them).
    #[error("not found")]
    NotFound,
    /// The caller's role does not allow it.
    #[error("forbidden")]
    Forbidden,
    /// The caller (or the invitee) already belongs to a team.
    #[error("already in a team")]
    AlreadyInTeam,
    /// The owner's plan has no team, or every seat is taken.
    #[error("no free seat")]
    NoSeats {
        /// Seats the owner's plan gives (0: the plan has no team).
        seats: u32,
    },
    /// A bad team name.
    #[error("bad team name")]
    Name(NameProblem),
    /// A bad email address, role, expiry or use limit.
    #[error("bad input")]
    BadInput,
    /// The invite link is unknown.
    #[error("unknown invite")]
    InviteInvalid,
    /// The invite link expired.
    #[error("invite expired")]
    InviteExpired,
    /// Every use of the invite link is spent.
    #[error("invite used up")]
    InviteUsedUp,
    /// The invite link was revoked.
    #[error("invite revoked")]
    InviteRevoked,
    /// The owner cannot leave; they transfer the team or delete it.
    #[error("the owner cannot leave")]
    OwnerCannotLeave,
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

crate::internal_error_from_db!(TeamError);

/// The caller's membership, or [`TeamError::NotFound`] if they are in no team.
async fn mine(conn: &mut AsyncPgConnection, user_id: Uuid) -> Result<Membership, TeamError> {
    membership(conn, user_id).await?.ok_or(TeamError::NotFound)
}

/// The caller's membership if their role allows `action`.
async fn mine_allowing(conn: &mut AsyncPgConnection, user_id: Uuid, action: Action) -> Result<Membership, TeamError> {
    let m = mine(conn, user_id).await?;
    if rules::allows(m.role, action) { Ok(m) } else { Err(TeamError::Forbidden) }
}

async fn plan_of(conn: &mut AsyncPgConnection, user_id: Uuid) -> anyhow::Result<PlanId> {
    let plan: String = users::table.find(user_id).select(users::plan_id).first(conn).await?;
    Ok(PlanId::parse(&plan).unwrap_or(PlanId::Free))
}

/// Creates a team named `name` owned by the caller, who must be in no team and on a plan with team seats.
pub async fn create(state: &AppState, user_id: Uuid, name: &str) -> Result<Uuid, TeamError> {
    let name = rules::team_name(name).map_err(TeamError::Name)?;
    let mut conn = state.db.get().await?;
    let seats = domain::Plan::get(plan_of(&mut conn, user_id).await?).team_seats;
    if seats == 0 {
        return Err(TeamError::NoSeats { seats });
    }
    let team_id = Uuid::now_v7();
    conn.transaction::<_, TeamError, _>(async |conn| {
        if membership(conn, user_id).await?.is_some() {
            return Err(TeamError::AlreadyInTeam);
        }
        diesel::insert_into(teams::table)
            .values((teams::id.eq(team_id), teams::name.eq(&name), teams::owner_id.eq(user_id)))
            .execute(conn)
            .await?;
        let joined = diesel::insert_into(team_members::table)
            .values((
                team_members::team_id.eq(team_id),
                team_members::user_id.eq(user_id),
                team_members::role.eq(TeamRole::Owner.as_str()),
            ))
            .execute(conn)
            .await;
        match joined {
            Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
                Err(TeamError::AlreadyInTeam)
            }
            other => other.map(drop).map_err(Into::into),
        }
    })
    .await?;
    tracing::info!(%team_id, %user_id, "team created");
    Ok(team_id)
}

/// Renames the caller's team (admins and the owner).
pub async fn rename(state: &AppState, user_id: Uuid, name: &str) -> Result<(), TeamError> {
    let name = rules::team_name(name).map_err(TeamError::Name)?;
    let mut conn = state.db.get().await?;
    let m = mine_allowing(&mut conn, user_id, Action::Rename).await?;
    diesel::update(teams::table.find(m.team_id)).set(teams::name.eq(name)).execute(&mut conn).await?;
    Ok(())
}

/// The team page's data for the caller; `None` if they are in no team.
pub async fn get(state: &AppState, user_id: Uuid, now: DateTime<Utc>) -> Result<Option<TeamView>, TeamError> {
    let mut conn = state.db.get().await?;
    let Some(m) = membership(&mut conn, user_id).await? else { return Ok(None) };
    let name: String = teams::table.find(m.team_id).select(teams::name).first(&mut conn).await?;
    let (plan, used, extra): (String, i32, i32) = users::table
        .find(m.owner_id)
        .select((users::plan_id, users::minutes_used, users::extra_minutes))
        .first(&mut conn)
        .await?;
    let plan = domain::Plan::get(PlanId::parse(&plan).unwrap_or(PlanId::Free));
    type MemberRow = (Uuid, String, String, String, DateTime<Utc>);
    let rows: Vec<MemberRow> = team_members::table
        .inner_join(users::table)
        .filter(team_members::team_id.eq(m.team_id))
        .select((users::id, users::name, users::email, team_members::role, team_members::created_at))
        .order(team_members::created_at.asc())
        .load(&mut conn)
        .await?;
    // Minutes each member's team videos consumed (transcription), and how many videos they added.
    let minutes: Vec<(Uuid, Option<i64>)> = usage_records::table
        .inner_join(videos::table)
        .filter(videos::team_id.eq(m.team_id))
        .group_by(videos::user_id)
        .select((videos::user_id, diesel::dsl::sum(usage_records::minutes_consumed)))
        .load(&mut conn)
        .await?;
    let counts: Vec<(Uuid, i64)> = videos::table
        .filter(videos::team_id.eq(m.team_id))
        .group_by(videos::user_id)
        .select((videos::user_id, diesel::dsl::count_star()))
        .load(&mut conn)
        .await?;
    let mut members: Vec<MemberView> = rows
        .into_iter()
        .map(|(id, name, email, role, joined)| MemberView {
            user_id: id.to_string(),
            name,
            email,
            role: TeamRole::parse(&role).unwrap_or(TeamRole::Viewer),
            joined_at: joined.to_rfc3339(),
            minutes_used: minutes.iter().find(|(u, _)| *u == id).and_then(|(_, s)| *s).unwrap_or(0),
            videos: counts.iter().find(|(u, _)| *u == id).map_or(0, |(_, c)| *c),
        })
        .collect();
    members.sort_by_key(|v| std::cmp::Reverse(rules::rank(v.role)));
    let invites =
        if rules::allows(m.role, Action::Invite) { pending_invites(&mut conn, m.team_id, now).await? } else { vec![] };
    Ok(Some(TeamView {
        id: m.team_id.to_string(),
        name,
        my_role: m.role,
        plan: plan.id,
        seats: plan.team_seats,
        minutes_used: i64::from(used),
        minutes_included: plan.minutes_per_month.map(|included| i64::from(included) + i64::from(extra)),
        members,
        invites,
    }))
}

async fn pending_invites(
    conn: &mut AsyncPgConnection,
    team_id: Uuid,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<InviteView>> {
    type Row = (Uuid, Option<String>, String, DateTime<Utc>, i32, i32, String);
    let rows: Vec<Row> = team_invites::table
        .inner_join(users::table.on(users::id.eq(team_invites::invited_by)))
        .filter(team_invites::team_id.eq(team_id))
        .filter(team_invites::revoked_at.is_null())
        .filter(team_invites::expires_at.gt(now))
        .filter(team_invites::uses.lt(team_invites::max_uses))
        .order(team_invites::created_at.desc())
        .select((
            team_invites::id,
            team_invites::email,
            team_invites::role,
            team_invites::expires_at,
            team_invites::uses,
            team_invites::max_uses,
            users::email,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, email, role, expires, uses, max_uses, by)| InviteView {
            id: id.to_string(),
            email,
            role: TeamRole::parse(&role).unwrap_or(TeamRole::Viewer),
            expires_at: expires.to_rfc3339(),
            uses,
            max_uses,
            invited_by: by,
        })
        .collect())
}

/// What an invite grants and how long and how often it works.
#[derive(Debug, Clone)]
pub struct InviteRequest<'a> {
    /// Mail the link to this address; `None`: a shareable link.
    pub email: Option<&'a str>,
    /// The role it grants.
    pub role: TeamRole,
    /// Days until it expires (1 to [`rules::INVITE_DAYS_MAX`]).
    pub days: u32,
    /// How often it may be used (1 for an emailed invite; up to [`rules::INVITE_USES_MAX`] for a link).
    pub max_uses: u32,
}

/// The address of an invite link.
fn invite_url(state: &AppState, token: &str) -> String {
    let mut url = state.config.http.public_url.clone();
    url.set_path(&format!("/invite/{token}"));
    url.set_query(None);
    url.to_string()
}

/// Creates an invite (admins and the owner, for a role below their own): mails it when it has an address. The link
/// is returned once; only its hash is stored.
pub async fn invite(
    state: &AppState,
    user_id: Uuid,
    req: InviteRequest<'_>,
    now: DateTime<Utc>,
) -> Result<CreatedInvite, TeamError> {
    let email = req
        .email
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(Email::parse)
        .transpose()
        .map_err(|_| TeamError::BadInput)?;
    let max_uses = if email.is_some() { 1 } else { req.max_uses };
    if !(1..=rules::INVITE_DAYS_MAX).contains(&req.days) || !(1..=rules::INVITE_USES_MAX).contains(&max_uses) {
        return Err(TeamError::BadInput);
    }
    let mut conn = state.db.get().await?;
    let m = mine_allowing(&mut conn, user_id, Action::Invite).await?;
    if !rules::can_grant(m.role, req.role) {
        return Err(TeamError::Forbidden);
    }
    let seats = domain::Plan::get(plan_of(&mut conn, m.owner_id).await?).team_seats;
    if member_count(&mut conn, m.team_id).await? >= i64::from(seats) {
        return Err(TeamError::NoSeats { seats });
    }
    let secret = tokens::new_secret();
    diesel::insert_into(team_invites::table)
        .values((
            team_invites::id.eq(Uuid::now_v7()),
            team_invites::team_id.eq(m.team_id),
            team_invites::invited_by.eq(user_id),
            team_invites::token_hash.eq(&secret.hash),
            team_invites::email.eq(email.as_ref().map(|e| e.as_str().to_owned())),
            team_invites::role.eq(req.role.as_str()),
            team_invites::expires_at.eq(now + Duration::days(i64::from(req.days))),
            team_invites::max_uses.eq(max_uses as i32),
        ))
        .execute(&mut conn)
        .await?;
    let url = invite_url(state, &secret.token);
    let mut mailed = false;
    if let Some(to) = &email {
        let (team, inviter, lang): (String, String, String) = teams::table
            .find(m.team_id)
            .inner_join(users::table.on(users::id.eq(user_id)))
            .select((teams::name, users::name, users::ui_language))
            .first(&mut conn)
            .await?;
        let inviter_label = if inviter.trim().is_empty() { "ClipMaker".to_owned() } else { inviter };
        let lang = Lang::from_code(&lang).unwrap_or_default();
        let detail = (lang.dict().teams.mail_detail)(&inviter_label, &team);
        match state.mail.send_with(to, lang, Template::TeamInvite, &url, Some(&detail)).await {
            Ok(()) => mailed = true,
            Err(e) => tracing::error!(team_id = %m.team_id, error = format!("{e:#}"), "invite email not sent"),
        }
    }
    Ok(CreatedInvite { url, mailed })
}

async fn member_count(conn: &mut AsyncPgConnection, team_id: Uuid) -> anyhow::Result<i64> {
    Ok(team_members::table.filter(team_members::team_id.eq(team_id)).count().get_result(conn).await?)
}

/// Revokes one of the team's invites (admins and the owner).
pub async fn revoke(state: &AppState, user_id: Uuid, invite_id: Uuid, now: DateTime<Utc>) -> Result<(), TeamError> {
    let mut conn = state.db.get().await?;
    let m = mine_allowing(&mut conn, user_id, Action::Invite).await?;
    let n = diesel::update(
        team_invites::table
            .filter(team_invites::id.eq(invite_id))
            .filter(team_invites::team_id.eq(m.team_id))
            .filter(team_invites::revoked_at.is_null()),
    )
    .set(team_invites::revoked_at.eq(now))
    .execute(&mut conn)
    .await?;
    if n == 1 { Ok(()) } else { Err(TeamError::NotFound) }
}

type InviteRow = (Uuid, Uuid, String, DateTime<Utc>, i32, i32, Option<DateTime<Utc>>, Option<String>);

/// Finds a usable invite by its token, telling apart unknown, revoked, expired and used-up links.
async fn usable_invite(conn: &mut AsyncPgConnection, token: &str, now: DateTime<Utc>) -> Result<InviteRow, TeamError> {
    let row: Option<InviteRow> = team_invites::table
        .filter(team_invites::token_hash.eq(tokens::hash_secret(token)))
        .select((
            team_invites::id,
            team_invites::team_id,
            team_invites::role,
            team_invites::expires_at,
            team_invites::uses,
            team_invites::max_uses,
            team_invites::revoked_at,
            team_invites::email,
        ))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    let row = row.ok_or(TeamError::InviteInvalid)?;
    let (_, _, _, expires, uses, max_uses, revoked, _) = &row;
    if revoked.is_some() {
        Err(TeamError::InviteRevoked)
    } else if *uses >= *max_uses {
        Err(TeamError::InviteUsedUp)
    } else if *expires <= now {
        Err(TeamError::InviteExpired)
    } else {
        Ok(row)
    }
}

/// What `/invite/:token` shows: the team, who invited and the role; or why the link does not work.
pub async fn preview(state: &AppState, token: &str, now: DateTime<Utc>) -> Result<InvitePreview, TeamError> {
    let mut conn = state.db.get().await?;
    let (invite_id, team_id, role, ..) = usable_invite(&mut conn, token, now).await?;
    let (team, by_name, by_email): (String, String, String) = team_invites::table
        .find(invite_id)
        .inner_join(teams::table)
        .inner_join(users::table.on(users::id.eq(team_invites::invited_by)))
        .filter(teams::id.eq(team_id))
        .select((teams::name, users::name, users::email))
        .first(&mut conn)
        .await?;
    Ok(InvitePreview {
        team,
        invited_by: if by_name.trim().is_empty() { by_email } else { by_name },
        role: TeamRole::parse(&role).unwrap_or(TeamRole::Viewer),
    })
}

/// Joins the team of the invite `token` with its role, spending one use. A user already in a team is refused
/// ([`TeamError::AlreadyInTeam`]); so is one when every seat of the owner's plan is taken.
pub async fn accept(state: &AppState, user_id: Uuid, token: &str, now: DateTime<Utc>) -> Result<Uuid, TeamError> {
    let mut conn = state.db.get().await?;
    conn.transaction::<_, TeamError, _>(async |conn| {
        let (invite_id, team_id, role, .., invited_email) = usable_invite(conn, token, now).await?;
        if membership(conn, user_id).await?.is_some() {
            return Err(TeamError::AlreadyInTeam);
        }
        // Following a link mailed to the account's own address proves the address, as a confirmation link does.
        if let Some(invited) = invited_email {
            diesel::update(
                users::table
                    .find(user_id)
                    .filter(users::email.eq(invited.to_lowercase()))
                    .filter(users::email_verified_at.is_null()),
            )
            .set(users::email_verified_at.eq(now))
            .execute(conn)
            .await?;
        }
        // Serialises joins of one team, so two acceptances cannot both take the last seat.
        let owner: Uuid = teams::table.find(team_id).select(teams::owner_id).for_update().first(conn).await?;
        let seats = domain::Plan::get(plan_of(conn, owner).await?).team_seats;
        if member_count(conn, team_id).await? >= i64::from(seats) {
            return Err(TeamError::NoSeats { seats });
        }
        let joined = diesel::insert_into(team_members::table)
            .values((
                team_members::team_id.eq(team_id),
                team_members::user_id.eq(user_id),
                team_members::role.eq(&role),
            ))
            .execute(conn)
            .await;
        if let Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) = joined
        {
            return Err(TeamError::AlreadyInTeam);
        }
        joined?;
        diesel::update(team_invites::table.find(invite_id))
            .set((
                team_invites::uses.eq(team_invites::uses + 1),
                team_invites::accepted_at.eq(now),
                team_invites::accepted_by.eq(user_id),
            ))
            .execute(conn)
            .await?;
        tracing::info!(%team_id, %user_id, role, "joined a team");
        Ok(team_id)
    })
    .await
}

/// The target member's role, if they are in the caller's team.
async fn member_role(conn: &mut AsyncPgConnection, team_id: Uuid, member: Uuid) -> Result<TeamRole, TeamError> {
    let role: Option<String> =
        team_members::table.find((team_id, member)).select(team_members::role).first(conn).await.optional()?;
    role.and_then(|r| TeamRole::parse(&r).ok()).ok_or(TeamError::NotFound)
}

/// Gives `member` the role `role` (admins: members and viewers only; the owner: anyone but themselves).
pub async fn set_role(state: &AppState, user_id: Uuid, member: Uuid, role: TeamRole) -> Result<(), TeamError> {
    let mut conn = state.db.get().await?;
    let m = mine_allowing(&mut conn, user_id, Action::ManageMembers).await?;
    let current = member_role(&mut conn, m.team_id, member).await?;
    if !rules::can_manage(m.role, current) || !rules::can_grant(m.role, role) {
        return Err(TeamError::Forbidden);
    }
    diesel::update(team_members::table.find((m.team_id, member)))
        .set(team_members::role.eq(role.as_str()))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Removes `member` from the team. What they made stays with the team.
pub async fn remove(state: &AppState, user_id: Uuid, member: Uuid) -> Result<(), TeamError> {
    let mut conn = state.db.get().await?;
    let m = mine_allowing(&mut conn, user_id, Action::ManageMembers).await?;
    let current = member_role(&mut conn, m.team_id, member).await?;
    if !rules::can_manage(m.role, current) {
        return Err(TeamError::Forbidden);
    }
    diesel::delete(team_members::table.find((m.team_id, member))).execute(&mut conn).await?;
    Ok(())
}

/// Leaves the caller's team. The owner cannot leave (they transfer or delete the team).
pub async fn leave(state: &AppState, user_id: Uuid) -> Result<(), TeamError> {
    let mut conn = state.db.get().await?;
    let m = mine(&mut conn, user_id).await?;
    if m.role == TeamRole::Owner {
        return Err(TeamError::OwnerCannotLeave);
    }
    diesel::delete(team_members::table.find((m.team_id, user_id))).execute(&mut conn).await?;
    Ok(())
}

/// Hands the team to `member` (owner only): they become owner, the caller becomes admin. The team uses the new
/// owner's plan from now on; videos already added stay billed as they were.
pub async fn transfer(state: &AppState, user_id: Uuid, member: Uuid) -> Result<(), TeamError> {
    let mut conn = state.db.get().await?;
    let m = mine_allowing(&mut conn, user_id, Action::Transfer).await?;
    if member == user_id {
        return Err(TeamError::BadInput);
    }
    member_role(&mut conn, m.team_id, member).await?;
    conn.transaction::<_, TeamError, _>(async |conn| {
        diesel::update(team_members::table.find((m.team_id, member)))
            .set(team_members::role.eq(TeamRole::Owner.as_str()))
            .execute(conn)
            .await?;
        diesel::update(team_members::table.find((m.team_id, user_id)))
            .set(team_members::role.eq(TeamRole::Admin.as_str()))
            .execute(conn)
            .await?;
        diesel::update(teams::table.find(m.team_id)).set(teams::owner_id.eq(member)).execute(conn).await?;
        Ok(())
    })
    .await?;
    tracing::info!(team_id = %m.team_id, from = %user_id, to = %member, "team transferred");
    Ok(())
}

/// Deletes the team (owner only). Members and invites go with it; each video returns to the member who made it.
pub async fn delete(state: &AppState, user_id: Uuid) -> Result<(), TeamError> {
    let mut conn = state.db.get().await?;
    let m = mine_allowing(&mut conn, user_id, Action::DeleteTeam).await?;
    diesel::delete(teams::table.find(m.team_id)).execute(&mut conn).await?;
    tracing::info!(team_id = %m.team_id, %user_id, "team deleted");
    Ok(())
}

/// Everyone who should hear about a change to a video: its creator and, for a team's video, every member.
pub async fn audience(conn: &mut AsyncPgConnection, creator: Uuid, team: Option<Uuid>) -> anyhow::Result<Vec<Uuid>> {
    let mut out = vec![creator];
    if let Some(team) = team {
        let members: Vec<Uuid> =
            team_members::table.filter(team_members::team_id.eq(team)).select(team_members::user_id).load(conn).await?;
        out.extend(members.into_iter().filter(|u| *u != creator));
    }
    Ok(out)
}
