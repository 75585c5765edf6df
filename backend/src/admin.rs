//! The admin console (issue 23): site operators find users and change their plan, minutes and access, watch the
//! job queues and retry or discard dead jobs, see what AI costs per day and provider, and read the audit log.
//!
//! Every function takes the caller's id and checks first that they are an operator (`users.is_admin`, granted only
//! by `server admin grant`, and not blocked): anyone else gets [`AdminError::NotFound`], so the console's existence
//! does not leak. Every change is written to `admin_audit` in the same transaction as the change itself (the queue
//! actions right after Redis did them).

use chrono::{DateTime, Utc};
use diesel::{
    BoolExpressionMethods as _, ExpressionMethods as _, OptionalExtension as _, PgTextExpressionMethods as _,
    QueryDsl as _, SelectableHelper as _,
    dsl::{count_star, sum},
};
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl as _};
use domain::{
    AdminAction, PlanId, TextEnum as _, UsageKind,
    admin::{
        AUDIT_SHOWN, AuditEntry, COST_DAYS, CostRow, DEAD_LETTERS_SHOWN, DeadJob, QueueRow, SessionRow, SignedUp,
        USERS_PAGE, UserDetail, UserRow, UserStatus, contains_pattern, grant_allowed,
    },
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    AppState,
    db::schema::{admin_audit, clips, sessions, usage_records, users, videos},
    queue::QueueName,
};

/// Why an admin request was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The caller is not an operator, or the user or job does not exist (HTTP 404).
    #[error("not found")]
    NotFound,
    /// A value outside what the console offers.
    #[error("bad input")]
    BadInput,
    /// An operator tried to block themselves.
    #[error("operators cannot block themselves")]
    SelfBlock,
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

crate::internal_error_from_db!(AdminError);

/// What the users list is filtered by.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Part of the email or name (case-insensitive); empty: everyone.
    pub search: String,
    /// Only this plan.
    pub plan: Option<PlanId>,
    /// Only this status.
    pub status: Option<UserStatus>,
    /// Only those who signed up this recently.
    pub signed_up: Option<SignedUp>,
    /// The page, from 0.
    pub page: u32,
}

/// Checks that `caller` is an operator who is not blocked.
async fn operator(conn: &mut AsyncPgConnection, caller: Uuid) -> Result<(), AdminError> {
    let row: Option<(bool, Option<DateTime<Utc>>)> =
        users::table.find(caller).select((users::is_admin, users::blocked_at)).first(conn).await.optional()?;
    match row {
        Some((true, None)) => Ok(()),
        _ => Err(AdminError::NotFound),
    }
}

/// Whether `caller` is an operator (the page's gate; the server functions check again).
pub async fn is_operator(state: &AppState, caller: Uuid) -> Result<bool, AdminError> {
    let mut conn = state.db.get().await?;
    match operator(&mut conn, caller).await {
        Ok(()) => Ok(true),
        Err(AdminError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Writes one audit entry (inside the caller's transaction).
async fn audit(
    conn: &mut AsyncPgConnection,
    admin: Option<Uuid>,
    action: AdminAction,
    target_user: Option<Uuid>,
    target: &str,
    details: serde_json::Value,
) -> Result<(), AdminError> {
    diesel::insert_into(admin_audit::table)
        .values((
            admin_audit::admin_id.eq(admin),
            admin_audit::action.eq(action.as_str()),
            admin_audit::target_user_id.eq(target_user),
            admin_audit::target.eq(target),
            admin_audit::details.eq(details),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The columns of a user the list shows.
#[derive(diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
struct UserCols {
    id: Uuid,
    email: String,
    name: String,
    plan_id: String,
    is_admin: bool,
    blocked_at: Option<DateTime<Utc>>,
    email_verified_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    minutes_used: i32,
    extra_minutes: i32,
}

impl UserCols {
    fn row(&self) -> UserRow {
        let plan = PlanId::parse(&self.plan_id).unwrap_or(PlanId::Free);
        UserRow {
            id: self.id.to_string(),
            email: self.email.clone(),
            name: self.name.clone(),
            plan,
            status: UserStatus::of(self.blocked_at.is_some(), self.email_verified_at.is_some()),
            is_admin: self.is_admin,
            signed_up_at: self.created_at.to_rfc3339(),
            minutes_used: self.minutes_used.max(0) as u32,
            minutes_left: domain::billing::minutes_left(plan, self.minutes_used, self.extra_minutes),
        }
    }
}

/// One page of users, newest first, matching `filter`.
pub async fn users(
    state: &AppState,
    caller: Uuid,
    filter: &UserFilter,
    now: DateTime<Utc>,
) -> Result<Vec<UserRow>, AdminError> {
    let mut conn = state.db.get().await?;
    operator(&mut conn, caller).await?;
    let mut query = users::table.into_boxed();
    if !filter.search.trim().is_empty() {
        let pattern = contains_pattern(&filter.search);
        query = query.filter(users::email.ilike(pattern.clone()).or(users::name.ilike(pattern)));
    }
    if let Some(plan) = filter.plan {
        query = query.filter(users::plan_id.eq(plan.as_str()));
    }
    query = match filter.status {
        None => query,
        Some(UserStatus::Blocked) => query.filter(users::blocked_at.is_not_null()),
        Some(UserStatus::Unconfirmed) => {
            query.filter(users::blocked_at.is_null()).filter(users::email_verified_at.is_null())
        }
        Some(UserStatus::Active) => {
            query.filter(users::blocked_at.is_null()).filter(users::email_verified_at.is_not_null())
        }
    };
    if let Some(window) = filter.signed_up {
        query = query.filter(users::created_at.ge(now - chrono::Duration::seconds(window.seconds())));
    }
    let rows: Vec<UserCols> = query
        .order((users::created_at.desc(), users::id.desc()))
        .limit(USERS_PAGE as i64)
        .offset(i64::from(filter.page) * USERS_PAGE as i64)
        .select(UserCols::as_select())
        .load(&mut conn)
        .await?;
    Ok(rows.iter().map(UserCols::row).collect())
}

/// A user's detail: plan and minutes, what they made, what it cost, and their live sessions.
pub async fn user(state: &AppState, caller: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<UserDetail, AdminError> {
    let mut conn = state.db.get().await?;
    operator(&mut conn, caller).await?;
    let cols: UserCols = users::table
        .find(id)
        .select(UserCols::as_select())
        .first(&mut conn)
        .await
        .optional()?
        .ok_or(AdminError::NotFound)?;
    let videos_made: i64 = videos::table.filter(videos::user_id.eq(id)).select(count_star()).first(&mut conn).await?;
    let clips_made: i64 = clips::table
        .inner_join(videos::table)
        .filter(videos::user_id.eq(id))
        .select(count_star())
        .first(&mut conn)
        .await?;
    let (minutes, cost): (Option<i64>, Option<i64>) = usage_records::table
        .filter(usage_records::user_id.eq(id))
        .select((
            sum(usage_records::minutes_consumed),
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(
                "SUM(usage_records.llm_cost_kopecks)::int8",
            ),
        ))
        .first(&mut conn)
        .await?;
    type SessionCols = (DateTime<Utc>, DateTime<Utc>, Option<String>, Option<String>);
    let live: Vec<SessionCols> = sessions::table
        .filter(sessions::user_id.eq(id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::rotated_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order(sessions::created_at.desc())
        .limit(50)
        .select((sessions::created_at, sessions::last_used_at, sessions::user_agent, sessions::ip))
        .load(&mut conn)
        .await?;
    Ok(UserDetail {
        user: cols.row(),
        extra_minutes: cols.extra_minutes.max(0) as u32,
        videos: videos_made.max(0) as u64,
        clips: clips_made.max(0) as u64,
        minutes_consumed: minutes.unwrap_or(0),
        ai_cost_kopecks: cost.unwrap_or(0),
        sessions: live
            .into_iter()
            .map(|(created, last, user_agent, ip)| SessionRow {
                created_at: created.to_rfc3339(),
                last_used_at: last.to_rfc3339(),
                user_agent,
                ip,
            })
            .collect(),
    })
}

/// Moves a user to `plan` (its monthly minutes follow).
pub async fn set_plan(state: &AppState, caller: Uuid, id: Uuid, plan: PlanId) -> Result<(), AdminError> {
    let mut conn = state.db.get().await?;
    conn.transaction::<_, AdminError, _>(async |conn| {
        operator(conn, caller).await?;
        let from: String = users::table
            .find(id)
            .select(users::plan_id)
            .for_update()
            .first(conn)
            .await
            .optional()?
            .ok_or(AdminError::NotFound)?;
        let limit = domain::Plan::get(plan).minutes_per_month.map_or(i32::MAX, |m| m as i32);
        diesel::update(users::table.find(id))
            .set((users::plan_id.eq(plan.as_str()), users::minutes_limit.eq(limit)))
            .execute(conn)
            .await?;
        audit(conn, Some(caller), AdminAction::SetPlan, Some(id), "", json!({ "from": from, "to": plan.as_str() }))
            .await
    })
    .await
}

/// Adds `minutes` extra minutes (1 to [`domain::admin::MAX_GRANT_MINUTES`]) to a user.
pub async fn grant_minutes(state: &AppState, caller: Uuid, id: Uuid, minutes: u32) -> Result<(), AdminError> {
    let mut conn = state.db.get().await?;
    conn.transaction::<_, AdminError, _>(async |conn| {
        operator(conn, caller).await?;
        if !grant_allowed(minutes) {
            return Err(AdminError::BadInput);
        }
        let extra: i32 = diesel::update(users::table.find(id))
            .set(users::extra_minutes.eq(users::extra_minutes + minutes as i32))
            .returning(users::extra_minutes)
            .get_result(conn)
            .await
            .optional()?
            .ok_or(AdminError::NotFound)?;
        audit(
            conn,
            Some(caller),
            AdminAction::GrantMinutes,
            Some(id),
            "",
            json!({ "minutes": minutes, "extra": extra }),
        )
        .await
    })
    .await
}

/// When `id` was blocked (`None`: not blocked), with the row locked for the rest of the transaction.
async fn blocked_at_locked(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<DateTime<Utc>>, AdminError> {
    users::table
        .find(id)
        .select(users::blocked_at)
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or(AdminError::NotFound)
}

/// Blocks a user: in one transaction the account is marked and every session revoked, so their next request is
/// anonymous and a sign-in racing the block is refused (`create_session` share-locks the row). Blocking an already
/// blocked user changes nothing and is not audited again.
pub async fn block(state: &AppState, caller: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<(), AdminError> {
    let mut conn = state.db.get().await?;
    conn.transaction::<_, AdminError, _>(async |conn| {
        operator(conn, caller).await?;
        if caller == id {
            return Err(AdminError::SelfBlock);
        }
        let was = blocked_at_locked(conn, id).await?;
        if was.is_some() {
            return Ok(());
        }
        diesel::update(users::table.find(id)).set(users::blocked_at.eq(now)).execute(conn).await?;
        let revoked =
            diesel::update(sessions::table.filter(sessions::user_id.eq(id)).filter(sessions::revoked_at.is_null()))
                .set(sessions::revoked_at.eq(now))
                .execute(conn)
                .await?;
        tracing::warn!(user_id = %id, admin_id = %caller, sessions = revoked, "account blocked");
        audit(conn, Some(caller), AdminAction::Block, Some(id), "", json!({ "sessions_revoked": revoked })).await
    })
    .await
}

/// Unblocks a user (they sign in again themselves).
pub async fn unblock(state: &AppState, caller: Uuid, id: Uuid) -> Result<(), AdminError> {
    let mut conn = state.db.get().await?;
    conn.transaction::<_, AdminError, _>(async |conn| {
        operator(conn, caller).await?;
        let was = blocked_at_locked(conn, id).await?;
        if was.is_none() {
            return Ok(());
        }
        diesel::update(users::table.find(id)).set(users::blocked_at.eq(None::<DateTime<Utc>>)).execute(conn).await?;
        tracing::info!(user_id = %id, admin_id = %caller, "account unblocked");
        audit(conn, Some(caller), AdminAction::Unblock, Some(id), "", json!({})).await
    })
    .await
}

/// Every queue's waiting, running, delayed and dead counts.
pub async fn queues(state: &AppState, caller: Uuid) -> Result<Vec<QueueRow>, AdminError> {
    operator(&mut *state.db.get().await?, caller).await?;
    let mut out = Vec::with_capacity(QueueName::ALL.len());
    for queue in QueueName::ALL {
        let s = state.queue.stats(queue).await?;
        out.push(QueueRow {
            queue: queue.as_str().to_owned(),
            waiting: s.waiting,
            running: s.running,
            delayed: s.delayed,
            dead: s.dead,
        });
    }
    Ok(out)
}

/// The newest dead jobs of every queue, newest first.
pub async fn dead_jobs(state: &AppState, caller: Uuid) -> Result<Vec<DeadJob>, AdminError> {
    operator(&mut *state.db.get().await?, caller).await?;
    let mut out = Vec::new();
    for queue in QueueName::ALL {
        for letter in state.queue.dead_letters(queue, DEAD_LETTERS_SHOWN).await? {
            // A letter that is not a valid job cannot be retried; the log has it.
            let Some(job) = letter.job else { continue };
            out.push(DeadJob {
                queue: queue.as_str().to_owned(),
                id: job.id.to_string(),
                name: job.name,
                subject: job.subject,
                attempts: job.attempt,
                error: letter.error,
                failed_at_ms: letter.failed_at_ms,
            });
        }
    }
    out.sort_by_key(|d| std::cmp::Reverse(d.failed_at_ms));
    Ok(out)
}

/// What to do with a dead job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadAction {
    /// Run it again from attempt 1.
    Retry,
    /// Drop it.
    Discard,
}

/// Retries or discards dead job `id` of `queue`; [`AdminError::NotFound`] when it is not (or no longer) there.
pub async fn settle_dead(
    state: &AppState,
    caller: Uuid,
    queue: &str,
    id: Uuid,
    action: DeadAction,
) -> Result<(), AdminError> {
    let mut conn = state.db.get().await?;
    operator(&mut conn, caller).await?;
    let queue: QueueName = queue.parse().map_err(|_| AdminError::NotFound)?;
    let done = match action {
        DeadAction::Retry => state.queue.retry_dead(queue, id).await?,
        DeadAction::Discard => state.queue.discard_dead(queue, id).await?,
    };
    if !done {
        return Err(AdminError::NotFound);
    }
    let (what, verb) = match action {
        DeadAction::Retry => (AdminAction::RetryJob, "retried"),
        DeadAction::Discard => (AdminAction::DiscardJob, "discarded"),
    };
    tracing::info!(admin_id = %caller, %queue, job_id = %id, "dead job {verb}");
    audit(&mut conn, Some(caller), what, None, &format!("{queue}/{id}"), json!({})).await
}

#[derive(diesel::QueryableByName)]
struct CostCols {
    #[diesel(sql_type = diesel::sql_types::Text)]
    day: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    provider: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    calls: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    minutes: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    cost: i64,
}

/// AI cost per day, kind and provider over the last [`COST_DAYS`] days, newest day first.
pub async fn costs(state: &AppState, caller: Uuid, now: DateTime<Utc>) -> Result<Vec<CostRow>, AdminError> {
    let mut conn = state.db.get().await?;
    operator(&mut conn, caller).await?;
    let since = now - chrono::Duration::days(COST_DAYS);
    let rows: Vec<CostCols> = diesel::sql_query(
        "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, kind,
                COALESCE(provider, 'local') AS provider, count(*)::int8 AS calls,
                COALESCE(sum(minutes_consumed), 0)::int8 AS minutes, COALESCE(sum(llm_cost_kopecks), 0)::int8 AS cost
         FROM usage_records WHERE created_at >= $1
         GROUP BY 1, 2, 3 ORDER BY 1 DESC, 2, 3",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(since)
    .load(&mut conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(CostRow {
                day: r.day,
                kind: UsageKind::parse(&r.kind).ok()?,
                provider: r.provider,
                calls: r.calls,
                minutes: r.minutes,
                cost_kopecks: r.cost,
            })
        })
        .collect())
}

#[derive(diesel::QueryableByName)]
struct AuditCols {
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    admin: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    action: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    target_user: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    target: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    details: String,
}

/// The newest [`AUDIT_SHOWN`] audit entries, newest first.
pub async fn audit_log(state: &AppState, caller: Uuid) -> Result<Vec<AuditEntry>, AdminError> {
    let mut conn = state.db.get().await?;
    operator(&mut conn, caller).await?;
    let rows: Vec<AuditCols> = diesel::sql_query(
        "SELECT a.created_at, op.email AS admin, a.action, u.email AS target_user, a.target, a.details::text AS details
         FROM admin_audit a
         LEFT JOIN users op ON op.id = a.admin_id
         LEFT JOIN users u ON u.id = a.target_user_id
         ORDER BY a.created_at DESC, a.id DESC LIMIT $1",
    )
    .bind::<diesel::sql_types::BigInt, _>(AUDIT_SHOWN as i64)
    .load(&mut conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(AuditEntry {
                at: r.created_at.to_rfc3339(),
                admin: r.admin,
                action: AdminAction::parse(&r.action).ok()?,
                target_user: r.target_user,
                target: r.target,
                details: r.details,
            })
        })
        .collect())
}

/// `server admin grant|revoke EMAIL`: makes a user a site operator or takes that away, audited with no operator
/// (the command line). Returns false when no user has the address.
pub async fn set_operator(db: &crate::db::DbPool, email: &domain::Email, operator: bool) -> anyhow::Result<bool> {
    let mut conn = db.get().await?;
    conn.transaction::<_, anyhow::Error, _>(async |conn| {
        let id: Option<Uuid> = diesel::update(users::table.filter(users::email.eq(email.as_str())))
            .set(users::is_admin.eq(operator))
            .returning(users::id)
            .get_result(conn)
            .await
            .optional()?;
        let Some(id) = id else { return Ok(false) };
        let action = if operator { AdminAction::GrantAdmin } else { AdminAction::RevokeAdmin };
        audit(conn, None, action, Some(id), "", json!({})).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(true)
    })
    .await
}
