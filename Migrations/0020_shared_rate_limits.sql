-- Nothing on SQLite: one process keeps its rate limits in memory (RateLimiter). Several
-- nodes on PostgreSQL share theirs in rate_buckets (postgres/0020_shared_rate_limits.sql).
SELECT 1;
