-- Rate limits and sign-in throttles that every node shares, so that N nodes behind one
-- load balancer admit N a minute from one address, not N times N. A token bucket per
-- limiter and client (the client's keyed hash, never its address). Unlogged: written on
-- every limited request, worth no WAL, and lost with a failover (which errs towards
-- letting people act, as a restart of a single node does).
CREATE UNLOGGED TABLE rate_buckets (
    limiter TEXT NOT NULL,
    client  TEXT NOT NULL,
    tokens  DOUBLE PRECISION NOT NULL,
    updated DOUBLE PRECISION NOT NULL,             -- seconds since 1970
    allowed BOOLEAN NOT NULL DEFAULT true,         -- whether the last take found a token
    PRIMARY KEY (limiter, client)
);
CREATE INDEX rate_buckets_by_time ON rate_buckets (updated);
