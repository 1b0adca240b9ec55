-- What housekeeping, the dashboard and /metrics look for, found without reading whole
-- tables. A viral petition makes signatures, outbox (one confirmation mail each, a few KB
-- of message) and mail_tokens the largest tables, and each of these questions scanned them:
-- at every start and every hour (`OutboxStore.purgeIsDue`, `purge`), and at every /metrics
-- scrape and dashboard view (`PetitionStore.pendingCount`, the outbox's count by state).
-- Each index holds only what the question is about, so it costs a signature little: a
-- pending signature is one entry at the end of signatures_pending, gone when it is confirmed.
CREATE INDEX signatures_pending ON signatures (created_at) WHERE confirmed_at IS NULL;
CREATE INDEX outbox_done ON outbox (created_at) WHERE state IN ('sent', 'failed');
CREATE INDEX mail_tokens_by_expiry ON mail_tokens (expires_at);
CREATE INDEX outbox_by_state ON outbox (state);
