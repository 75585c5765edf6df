-- The admin console (issue 23): site operators, blocked accounts and the audit log of operators' actions.
ALTER TABLE users
    ADD COLUMN is_admin boolean NOT NULL DEFAULT false,
    ADD COLUMN blocked_at timestamptz;

CREATE TABLE admin_audit (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- NULL: the server's command line (`server admin grant`), or an operator deleted since.
    admin_id uuid REFERENCES users (id) ON DELETE SET NULL,
    action text NOT NULL
        CONSTRAINT admin_audit_action_check
        CHECK (action IN ('grant_admin', 'revoke_admin', 'set_plan', 'grant_minutes', 'block', 'unblock',
                          'retry_job', 'discard_job')),
    target_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    -- What else the action was about (a queue and job id), for display.
    target text NOT NULL DEFAULT '',
    details jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX admin_audit_created_at_idx ON admin_audit (created_at DESC);
CREATE INDEX admin_audit_admin_id_idx ON admin_audit (admin_id);
CREATE INDEX admin_audit_target_user_id_idx ON admin_audit (target_user_id);
