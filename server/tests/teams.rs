//! Teams over HTTP against the real services: creating a team, inviting by mail (through the SMTP sink) and by
//! shareable link (expiry, use limit, revocation), what each role sees and may change in the shared workspace,
//! transfer, leave, delete, and minutes pooled on the owner's plan.

use serde_json::Value;
use testkit::{TEST_PASSWORD, TestApp, mailbox};
use uuid::Uuid;

async fn set_plan(app: &TestApp, user: Uuid, plan: &str) {
    app.db.client().await.execute("UPDATE users SET plan_id = $2 WHERE id = $1", &[&user, &plan]).await.unwrap();
}

/// A signed-in Pro user who owns a new team named "Студия".
async fn owner_with_team(app: &TestApp) -> (reqwest::Client, Uuid) {
    let (owner, _, owner_id) = app.signed_in().await;
    set_plan(app, owner_id, "pro").await;
    let res = app.call(&owner, "team/create", &[("name", "  Студия ")]).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    (owner, owner_id)
}

/// Creates a shareable invite link for `role` as `client`; returns the token.
async fn link(app: &TestApp, client: &reqwest::Client, role: &str, days: &str, uses: &str) -> String {
    let res =
        app.call(client, "team/invite", &[("email", ""), ("role", role), ("days", days), ("max_uses", uses)]).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let created: Value = res.json().await.unwrap();
    let url = created["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/invite/", app.url)), "{url}");
    url.rsplit('/').next().unwrap().to_owned()
}

/// A new signed-in user who joined through `token`.
async fn joined(app: &TestApp, token: &str) -> (reqwest::Client, Uuid) {
    let (client, _, id) = app.signed_in().await;
    let res = app.call(&client, "team/accept", &[("token", token)]).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    (client, id)
}

async fn team_view(app: &TestApp, client: &reqwest::Client) -> Value {
    app.call(client, "team/get", &[]).await.json().await.unwrap()
}

async fn team_id(app: &TestApp, owner: Uuid) -> Uuid {
    app.db.client().await.query_one("SELECT id FROM teams WHERE owner_id = $1", &[&owner]).await.unwrap().get(0)
}

async fn listed(app: &TestApp, client: &reqwest::Client) -> Vec<String> {
    let list: Value = app.call(client, "videos/list", &[]).await.json().await.unwrap();
    list.as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_team_needs_a_plan_with_seats_and_one_team_per_user() {
    let app = TestApp::spawn().await;
    let (free, _, _) = app.signed_in().await;
    let res = app.call(&free, "team/create", &[("name", "Студия")]).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("NoSeats") && body.contains("\"seats\":0"), "{body}");

    let (owner, owner_id) = owner_with_team(&app).await;
    let view = team_view(&app, &owner).await;
    assert_eq!(view["name"], "Студия", "the name is trimmed");
    assert_eq!(view["my_role"], "owner");
    assert_eq!(view["seats"], 3, "Pro: 3 people");
    assert_eq!(view["members"][0]["user_id"], owner_id.to_string());
    let again = app.call(&owner, "team/create", &[("name", "Вторая")]).await;
    assert!(again.text().await.unwrap().contains("AlreadyInTeam"));
    let empty = app.call(&owner, "team/rename", &[("name", "   ")]).await;
    assert!(empty.text().await.unwrap().contains("NameEmpty"));
    assert_eq!(app.call(&owner, "team/rename", &[("name", "Север")]).await.status(), 200);
    assert_eq!(team_view(&app, &owner).await["name"], "Север");
    // Outside any team there is nothing to show.
    assert_eq!(team_view(&app, &free).await, Value::Null);
}

#[tokio::test]
async fn an_emailed_invite_carries_the_link_names_the_team_and_works_once() {
    let app = TestApp::spawn().await;
    let (owner, _) = owner_with_team(&app).await;
    let to = mailbox::unique_address("invitee");
    let res = app.call(&owner, "team/invite", &[("email", &to), ("role", "member")]).await;
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["mailed"], true);
    let mail = mailbox::wait_for_mails(&to, 1).await.remove(0);
    assert_eq!(mail.subject, "Приглашение в команду на ClipMaker");
    assert!(mail.text.contains("«Студия»"), "the mail names the team: {}", mail.text);
    let url = mail.first_link().unwrap();
    assert_eq!(url, created["url"].as_str().unwrap());
    let token = url.rsplit('/').next().unwrap();
    // The token is stored only as its hash.
    let stored: i64 = app
        .db
        .client()
        .await
        .query_one(
            "SELECT count(*) FROM team_invites WHERE position($1::bytea in token_hash) > 0",
            &[&token.as_bytes()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 0);

    // Anyone with the link sees what it offers.
    let preview: Value =
        app.call(&app.browser(), "team/invite-preview", &[("token", token)]).await.json().await.unwrap();
    assert_eq!((preview["team"].as_str(), preview["role"].as_str()), (Some("Студия"), Some("member")));

    let invitee = app.create_user(&to).await;
    let (client, _) = app.sign_in(&to, TEST_PASSWORD).await;
    assert_eq!(app.call(&client, "team/accept", &[("token", token)]).await.status(), 200);
    let view = team_view(&app, &client).await;
    assert_eq!(view["my_role"], "member");
    assert_eq!(view["invites"], serde_json::json!([]), "members do not see invites");
    assert!(
        team_view(&app, &owner).await["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["user_id"] == invitee.to_string())
    );
    // Used once: the next visitor is told so.
    let (late, _, _) = app.signed_in().await;
    assert!(app.call(&late, "team/accept", &[("token", token)]).await.text().await.unwrap().contains("InviteUsedUp"));
}

#[tokio::test]
async fn shareable_links_have_use_limits_expiry_and_can_be_revoked() {
    let app = TestApp::spawn().await;
    let (owner, owner_id) = owner_with_team(&app).await;
    set_plan(&app, owner_id, "business").await;
    let token = link(&app, &owner, "viewer", "7", "2").await;
    let pending = team_view(&app, &owner).await["invites"].clone();
    assert_eq!(pending.as_array().unwrap().len(), 1, "the owner sees the pending link");
    assert_eq!((pending[0]["max_uses"].as_i64(), pending[0]["email"].is_null()), (Some(2), true));
    let (viewer, _) = joined(&app, &token).await;
    assert_eq!(team_view(&app, &viewer).await["my_role"], "viewer");
    joined(&app, &token).await;
    let (third, _, _) = app.signed_in().await;
    assert!(app.call(&third, "team/accept", &[("token", &token)]).await.text().await.unwrap().contains("InviteUsedUp"));
    assert_eq!(team_view(&app, &owner).await["invites"], serde_json::json!([]), "a used-up link is no longer pending");

    let expiring = link(&app, &owner, "member", "1", "5").await;
    app.db
        .client()
        .await
        .execute("UPDATE team_invites SET expires_at = now() - interval '1 minute' WHERE uses = 0", &[])
        .await
        .unwrap();
    assert!(
        app.call(&third, "team/accept", &[("token", &expiring)]).await.text().await.unwrap().contains("InviteExpired")
    );

    let revoked = link(&app, &owner, "member", "7", "5").await;
    let id = team_view(&app, &owner).await["invites"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.call(&owner, "team/revoke", &[("invite_id", &id)]).await.status(), 200);
    assert!(
        app.call(&third, "team/accept", &[("token", &revoked)]).await.text().await.unwrap().contains("InviteRevoked")
    );
    assert!(
        app.call(&third, "team/accept", &[("token", "not-a-token")])
            .await
            .text()
            .await
            .unwrap()
            .contains("InviteInvalid")
    );
    // A viewer cannot invite; nobody grants owner; an admin invites only below admin.
    assert_eq!(app.call(&viewer, "team/invite", &[("email", ""), ("role", "viewer")]).await.status(), 403);
    assert_eq!(app.call(&owner, "team/invite", &[("email", ""), ("role", "owner")]).await.status(), 403);
}

#[tokio::test]
async fn seats_are_counted_and_someone_in_a_team_must_leave_it_first() {
    let app = TestApp::spawn().await;
    let (owner, _) = owner_with_team(&app).await;
    let token = link(&app, &owner, "member", "7", "10").await;
    joined(&app, &token).await;
    joined(&app, &token).await;
    // Pro has 3 seats: the owner and two members fill them.
    let (fourth, _, _) = app.signed_in().await;
    let full = app.call(&fourth, "team/accept", &[("token", &token)]).await.text().await.unwrap();
    assert!(full.contains("NoSeats") && full.contains("\"seats\":3"), "{full}");
    let new_link = app.call(&owner, "team/invite", &[("email", ""), ("role", "member")]).await.text().await.unwrap();
    assert!(new_link.contains("NoSeats"), "no new invites while the team is full: {new_link}");

    let (other_owner, _) = owner_with_team(&app).await;
    let other = link(&app, &other_owner, "member", "7", "1").await;
    let busy = app.call(&owner, "team/accept", &[("token", &other)]).await.text().await.unwrap();
    assert!(busy.contains("AlreadyInTeam"), "{busy}");
}

#[tokio::test]
async fn each_role_sees_and_changes_exactly_what_the_table_allows() {
    let app = TestApp::spawn().await;
    let (owner, owner_id) = owner_with_team(&app).await;
    set_plan(&app, owner_id, "business").await;
    let team = team_id(&app, owner_id).await;
    let (admin, admin_id) = joined(&app, &link(&app, &owner, "admin", "7", "1").await).await;
    let (member, member_id) = joined(&app, &link(&app, &owner, "member", "7", "1").await).await;
    let (viewer, viewer_id) = joined(&app, &link(&app, &owner, "viewer", "7", "1").await).await;
    let (outsider, _, outsider_id) = app.signed_in().await;

    let (team_video, team_clip) = app.ready_clip(member_id, Some(team), b"clip").await;
    let (private_video, private_clip) = app.ready_clip(outsider_id, None, b"clip").await;
    for (who, client) in [("owner", &owner), ("admin", &admin), ("member", &member), ("viewer", &viewer)] {
        let ids = listed(&app, client).await;
        assert!(ids.contains(&team_video.to_string()), "{who} sees the team's video");
        assert!(!ids.contains(&private_video.to_string()), "{who} does not see an outsider's video");
        let clip = app.call(client, "clips/get", &[("clip_id", &team_clip.to_string())]).await;
        assert_eq!(clip.status(), 200, "{who} opens the team's clip");
    }
    assert!(!listed(&app, &outsider).await.contains(&team_video.to_string()));
    let theirs = app.call(&outsider, "clips/get", &[("clip_id", &team_clip.to_string())]).await;
    assert_eq!(theirs.status(), 404, "no existence leak to another user");
    let mine = app.call(&member, "clips/get", &[("clip_id", &private_clip.to_string())]).await;
    assert_eq!(mine.status(), 404);

    // Editing: member and above may; the viewer sees the clip but is refused with 403.
    let edit =
        |title: &'static str| [("clip_id", team_clip.to_string()), ("title", title.into()), ("cta", String::new())];
    for (who, client, status) in
        [("member", &member, 200), ("admin", &admin, 200), ("owner", &owner, 200), ("viewer", &viewer, 403)]
    {
        let form = edit("Новое название");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(app.call(client, "clips/update", &form).await.status(), status, "{who} edits");
    }
    let form = edit("x");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(app.call(&outsider, "clips/update", &form).await.status(), 404);
    assert_eq!(app.call(&viewer, "videos/delete", &[("video_id", &team_video.to_string())]).await.status(), 403);
    // A viewer does not upload into the team.
    let up = app.call(&viewer, "videos/import", &[("url", "https://example.com/talk.mp4")]).await;
    assert_eq!(up.status(), 403);

    // Role changes: admins manage members and viewers only; nobody grants above their own role.
    let role = |id: Uuid, r: &'static str| [("user_id", id.to_string()), ("role", r.to_owned())];
    let call = |client: &reqwest::Client, f: [(&'static str, String); 2]| {
        let client = client.clone();
        let app = &app;
        async move {
            let form: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(&client, "team/role", &form).await.status().as_u16()
        }
    };
    assert_eq!(call(&admin, role(viewer_id, "member")).await, 200);
    assert_eq!(call(&admin, role(viewer_id, "admin")).await, 403);
    assert_eq!(call(&admin, role(owner_id, "viewer")).await, 403);
    assert_eq!(call(&member, role(viewer_id, "viewer")).await, 403);
    assert_eq!(call(&owner, role(admin_id, "member")).await, 200);
    assert_eq!(call(&owner, role(admin_id, "admin")).await, 200);
    // Removing: admins remove members; what a member made stays with the team.
    assert_eq!(app.call(&member, "team/remove", &[("user_id", &viewer_id.to_string())]).await.status(), 403);
    assert_eq!(app.call(&admin, "team/remove", &[("user_id", &member_id.to_string())]).await.status(), 200);
    assert!(!listed(&app, &member).await.contains(&team_video.to_string()), "a removed member loses the team's videos");
    assert!(listed(&app, &owner).await.contains(&team_video.to_string()), "the team keeps what they made");
}

#[tokio::test]
async fn transfer_leave_and_delete() {
    let app = TestApp::spawn().await;
    let (owner, owner_id) = owner_with_team(&app).await;
    let team = team_id(&app, owner_id).await;
    let (member, member_id) = joined(&app, &link(&app, &owner, "member", "7", "1").await).await;
    let (video, _) = app.ready_clip(member_id, Some(team), b"clip").await;

    assert!(app.call(&owner, "team/leave", &[]).await.text().await.unwrap().contains("OwnerCannotLeave"));
    assert_eq!(app.call(&member, "team/transfer", &[("user_id", &owner_id.to_string())]).await.status(), 403);
    assert_eq!(app.call(&owner, "team/transfer", &[("user_id", &member_id.to_string())]).await.status(), 200);
    assert_eq!(team_view(&app, &member).await["my_role"], "owner");
    assert_eq!(team_view(&app, &owner).await["my_role"], "admin");
    assert_eq!(app.call(&owner, "team/delete", &[]).await.status(), 403, "only the owner deletes");
    assert_eq!(app.call(&owner, "team/leave", &[]).await.status(), 200);
    assert_eq!(team_view(&app, &owner).await, Value::Null);
    assert!(!listed(&app, &owner).await.contains(&video.to_string()));

    assert_eq!(app.call(&member, "team/delete", &[]).await.status(), 200);
    assert_eq!(team_view(&app, &member).await, Value::Null);
    // The team is gone; its videos return to the members who made them.
    assert!(listed(&app, &member).await.contains(&video.to_string()));
}

#[tokio::test]
async fn a_members_minutes_come_from_the_owners_plan() {
    let app = TestApp::spawn().await;
    let (owner, owner_id) = owner_with_team(&app).await;
    let (_, member_id) = joined(&app, &link(&app, &owner, "member", "7", "1").await).await;
    let actor = backend::teams::actor(&app.state, member_id).await.unwrap();
    let card = backend::videos::start_demo(&app.state, &actor, domain::Lang::Ru).await.unwrap();
    let video: Uuid = card.id.parse().unwrap();
    let db = app.db.client().await;
    let row = db.query_one("SELECT user_id, team_id, billed_to FROM videos WHERE id = $1", &[&video]).await.unwrap();
    let (creator, team, payer): (Uuid, Option<Uuid>, Uuid) = (row.get(0), row.get(1), row.get(2));
    assert_eq!((creator, team, payer), (member_id, Some(team_id(&app, owner_id).await), owner_id));

    let probed = backend::videos::Probed {
        file_key: "sources/x/source.mp4".into(),
        mime_type: "video/mp4".into(),
        size_bytes: 1000,
        duration_seconds: 600.0,
        title: None,
    };
    let outcome =
        backend::videos::complete_probe(&app.state, video, &probed, domain::VideoStatus::Transcribing, Some(10))
            .await
            .unwrap();
    assert!(matches!(outcome, backend::videos::ProbeOutcome::Moved), "{outcome:?}");
    let reserved = |id: Uuid| {
        let db = &db;
        async move {
            db.query_one("SELECT minutes_reserved FROM users WHERE id = $1", &[&id]).await.unwrap().get::<_, i32>(0)
        }
    };
    assert_eq!((reserved(owner_id).await, reserved(member_id).await), (10, 0), "reserved on the owner's plan");
    backend::videos::fail(&app.state, video, &domain::Failure::Internal).await.unwrap();
    assert_eq!(reserved(owner_id).await, 0, "given back to the owner");
}
