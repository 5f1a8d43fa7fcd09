-- One winner per (symbol, exchange, interval, ts) among bar_revisions: latest
-- ingested_at, then raw object key, then line; a tie between an existing row and a new
-- one is the same row read again, and the new copy is kept (a new copy that wins carries
-- this run's plan_version). The result is the same whatever the arrival order.
-- Rows are ranked only when some key repeats (bar_revisions_repeat); otherwise each row
-- is its key's only revision, rank 1, which is what the ranking would give it. Exactly
-- one branch has rows: the other's filter is false for every row.
-- A view: bars_out reads only the winners, so the ranked rows are never stored.
SELECT r.*, CAST(1 AS BIGINT) AS revision_rank
FROM bar_revisions r
WHERE NOT (SELECT any_key_repeats FROM bar_revisions_repeat)
UNION ALL
SELECT
  r.*,
  ROW_NUMBER() OVER (
    PARTITION BY symbol, exchange, interval, ts
    ORDER BY ingested_at DESC, raw_object DESC, line_number DESC, is_new DESC
  ) AS revision_rank
FROM bar_revisions r
WHERE (SELECT any_key_repeats FROM bar_revisions_repeat)
