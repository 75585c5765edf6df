DROP INDEX subscriptions_period_end_idx;
DROP TABLE refunds;
ALTER TABLE payments DROP COLUMN refunded_kopecks, DROP COLUMN failure;
ALTER TABLE subscriptions DROP COLUMN reminded_at, DROP COLUMN card_title;
