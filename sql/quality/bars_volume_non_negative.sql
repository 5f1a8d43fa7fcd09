-- description: Volume is null or >= 0
SELECT count(*) AS failed_rows
FROM bars_out
WHERE is_context = 0 AND volume < 0
