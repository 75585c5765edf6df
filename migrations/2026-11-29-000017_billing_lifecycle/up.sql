-- Issue 21: what the billing page, the webhook and the billing cron need beyond the seed's tables.
ALTER TABLE subscriptions
    -- The card's display title ("Mir *4444") of the saved payment method.
    ADD COLUMN card_title text,
    -- When the last renewal reminder went out (at most one a day).
    ADD COLUMN reminded_at timestamptz;

ALTER TABLE payments
    -- Why YooKassa canceled it (cancellation_details.reason), shown in the history.
    ADD COLUMN failure text,
    -- The sum of succeeded refunds.
    ADD COLUMN refunded_kopecks bigint NOT NULL DEFAULT 0 CHECK (refunded_kopecks >= 0);

-- Succeeded refunds, one row per YooKassa refund: a refund notification delivered twice counts once.
CREATE TABLE refunds (
    external_id text PRIMARY KEY,
    payment_id uuid NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
    amount_kopecks bigint NOT NULL CHECK (amount_kopecks >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_payment_id_idx ON refunds (payment_id);

-- The billing cron reads subscriptions whose period ended.
CREATE INDEX subscriptions_period_end_idx ON subscriptions (current_period_end) WHERE status IN ('active', 'past_due');
