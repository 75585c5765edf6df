//! The migrated schema against the code: foreign keys indexed, CHECK constraints equal to the domain enums,
//! and `schema.rs` naming only columns that exist.

use std::collections::{BTreeMap, BTreeSet};

use backend::db::schema::*;
use diesel::{QueryDsl as _, pg::Pg};
use domain::{Lang, enums::*};
use testkit::TestDb;

#[tokio::test]
async fn every_foreign_key_has_an_index_starting_with_its_columns() {
    let db = TestDb::new().await;
    let rows = db
        .client()
        .await
        .query(
            r#"
            SELECT c.conrelid::regclass::text AS tbl, c.conname
              FROM pg_constraint c
             WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
               AND NOT EXISTS (
                   SELECT 1 FROM pg_index i
                    WHERE i.indrelid = c.conrelid
                      AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] @> c.conkey
                      AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] <@ c.conkey)
            "#,
            &[],
        )
        .await
        .expect("foreign key query");
    let missing: Vec<String> =
        rows.iter().map(|r| format!("{}.{}", r.get::<_, String>(0), r.get::<_, String>(1))).collect();
    assert!(missing.is_empty(), "foreign keys without a leading index: {missing:?}");

    // The query above must actually see foreign keys, or it proves nothing.
    let fks: i64 = db
        .client()
        .await
        .query_one(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(fks >= 20, "expected the data model's foreign keys, found {fks}");
}

fn names<E: TextEnum>() -> BTreeSet<String> {
    E::ALL.iter().map(|v| v.as_str().to_owned()).collect()
}

#[tokio::test]
async fn check_constraints_list_exactly_the_domain_enum_values() {
    let expected: BTreeMap<&str, BTreeSet<String>> = BTreeMap::from([
        ("users_plan_id_check", names::<PlanId>()),
        ("users_llm_strategy_check", names::<LlmStrategy>()),
        ("users_ui_language_check", Lang::ALL.iter().map(|l| l.code().to_owned()).collect()),
        ("email_tokens_kind_check", names::<EmailTokenKind>()),
        ("team_members_role_check", names::<TeamRole>()),
        ("team_invites_role_check", names::<TeamRole>()),
        ("videos_status_check", names::<VideoStatus>()),
        ("videos_source_kind_check", names::<SourceKind>()),
        ("clips_status_check", names::<ClipStatus>()),
        ("clips_layout_check", names::<ClipLayout>()),
        ("platform_connections_platform_check", names::<Platform>()),
        ("publications_platform_check", names::<Platform>()),
        ("publications_status_check", names::<PublicationStatus>()),
        ("platform_connections_status_check", names::<ConnectionStatus>()),
        ("subscriptions_plan_id_check", names::<PlanId>()),
        ("subscriptions_status_check", names::<SubscriptionStatus>()),
        ("subscriptions_payment_method_check", names::<PaymentMethod>()),
        ("payments_kind_check", names::<PaymentKind>()),
        ("payments_plan_id_check", names::<PlanId>()),
        ("payments_status_check", names::<PaymentStatus>()),
        ("payments_payment_method_check", names::<PaymentMethod>()),
        ("usage_records_kind_check", names::<UsageKind>()),
        ("admin_audit_action_check", names::<AdminAction>()),
    ]);
    let db = TestDb::new().await;
    let client = db.client().await;
    for (constraint, values) in &expected {
        let row = client
            .query_opt(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1 AND contype = 'c'",
                &[constraint],
            )
            .await
            .expect("constraint query")
            .unwrap_or_else(|| panic!("no CHECK constraint named {constraint}"));
        let def: String = row.get(0);
        let found: BTreeSet<String> = def.split('\'').skip(1).step_by(2).map(str::to_owned).collect();
        assert_eq!(&found, values, "{constraint}: {def}");
    }
}

#[tokio::test]
async fn schema_rs_matches_the_migrated_tables() {
    use diesel::query_builder::{AsQuery, QueryFragment};
    fn sql<Q: AsQuery>(q: Q) -> String
    where
        Q::Query: QueryFragment<Pg>,
    {
        diesel::debug_query::<Pg, _>(&q.as_query()).to_string().split(" -- binds").next().unwrap().to_owned()
    }
    // Binds are rendered as $1 by debug_query; every select below uses LIMIT with a bind, so give it a value.
    let selects = [
        sql(users::table.select(users::all_columns).limit(0)),
        sql(sessions::table.select(sessions::all_columns).limit(0)),
        sql(email_tokens::table.select(email_tokens::all_columns).limit(0)),
        sql(teams::table.select(teams::all_columns).limit(0)),
        sql(team_members::table.select(team_members::all_columns).limit(0)),
        sql(team_invites::table.select(team_invites::all_columns).limit(0)),
        sql(videos::table.select(videos::all_columns).limit(0)),
        sql(transcripts::table.select(transcripts::all_columns).limit(0)),
        sql(clips::table.select(clips::all_columns).limit(0)),
        sql(platform_connections::table.select(platform_connections::all_columns).limit(0)),
        sql(publications::table.select(publications::all_columns).limit(0)),
        sql(publication_stats::table.select(publication_stats::all_columns).limit(0)),
        sql(subscriptions::table.select(subscriptions::all_columns).limit(0)),
        sql(payments::table.select(payments::all_columns).limit(0)),
        sql(refunds::table.select(refunds::all_columns).limit(0)),
        sql(usage_records::table.select(usage_records::all_columns).limit(0)),
        sql(admin_audit::table.select(admin_audit::all_columns).limit(0)),
    ];
    let db = TestDb::new().await;
    let client = db.client().await;
    let mut declared_columns = 0;
    for select in &selects {
        let select = select.replace("$1", "0");
        client.batch_execute(&select).await.unwrap_or_else(|e| panic!("{select}: {e}"));
        declared_columns += select.matches("\".\"").count();
    }
    // And no table has columns schema.rs does not know about.
    let in_db: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' \
             AND table_name <> '__diesel_schema_migrations'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(declared_columns as i64, in_db, "schema.rs and the database disagree on the number of columns");
}
