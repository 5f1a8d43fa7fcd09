-- Known bar intervals and their length in minutes. Rows with another interval are
-- quarantined (unknown_interval); minutes choose which bars feed the rollups.
SELECT interval, minutes
FROM (
  VALUES
    ('1min', 1), ('5min', 5), ('15min', 15), ('30min', 30), ('45min', 45),
    ('1h', 60), ('2h', 120), ('4h', 240), ('8h', 480),
    ('1day', 1440), ('1week', 10080), ('1month', 43200)
) AS t(interval, minutes)
