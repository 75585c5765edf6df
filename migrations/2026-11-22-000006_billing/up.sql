CREATE TABLE subscriptions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan_id text NOT NULL
        CONSTRAINT subscriptions_plan_id_check CHECK (plan_id IN ('free', 'start', 'pro', 'business')),
    status text NOT NULL CONSTRAINT subscriptions_status_check CHECK (status IN
        ('active', 'past_due', 'cancelled', 'expired')),
    payment_method text CONSTRAINT subscriptions_payment_method_check CHECK (payment_method IN ('card', 'sbp')),
    -- YooKassa's saved payment method id, for auto-renewal (cards only).
    payment_method_id text,
    current_period_start timestamptz NOT NULL,
    current_period_end timestamptz NOT NULL,
    cancel_at_period_end boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- A user has at most one subscription (seed: User 1 -> 0..1 Subscription).
CREATE UNIQUE INDEX subscriptions_user_id_key ON subscriptions (user_id);
CREATE TRIGGER subscriptions_updated_at BEFORE UPDATE ON subscriptions FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE payments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    subscription_id uuid REFERENCES subscriptions (id) ON DELETE SET NULL,
    kind text NOT NULL CONSTRAINT payments_kind_check CHECK (kind IN ('subscription', 'extra_minutes')),
    plan_id text CONSTRAINT payments_plan_id_check CHECK (plan_id IN ('free', 'start', 'pro', 'business')),
    minutes integer CHECK (minutes > 0),
    amount_kopecks bigint NOT NULL CHECK (amount_kopecks >= 0),
    currency text NOT NULL DEFAULT 'RUB',
    status text NOT NULL DEFAULT 'pending' CONSTRAINT payments_status_check CHECK (status IN
        ('pending', 'waiting_for_capture', 'succeeded', 'canceled')),
    payment_method text NOT NULL CONSTRAINT payments_payment_method_check CHECK (payment_method IN ('card', 'sbp')),
    idempotence_key text NOT NULL,
    external_id text,
    confirmation_url text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX payments_idempotence_key_key ON payments (idempotence_key);
CREATE UNIQUE INDEX payments_external_id_key ON payments (external_id);
CREATE INDEX payments_user_id_idx ON payments (user_id, created_at DESC);
CREATE INDEX payments_subscription_id_idx ON payments (subscription_id);
CREATE TRIGGER payments_updated_at BEFORE UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION set_updated_at();
