-- PostgreSQL twin of `../sqlite/0010_readings_by_key.sql`: one random index write less per
-- ingested reading. The identity's primary key becomes a unique `(device_key, sequence,
-- identity)`, which keeps one row per identity just as well and replaces the
-- `(device_key, sequence)` index. Not rolling: older binaries insert with
-- `ON CONFLICT (identity)`, which needs the dropped key.
ALTER TABLE readings DROP CONSTRAINT readings_pkey;
DROP INDEX readings_key_sequence;
CREATE UNIQUE INDEX readings_key_sequence_identity ON readings (device_key, sequence, identity);
-- Without a primary key, logical replication would refuse deletes (pruning) on a published
-- table: the unique index names the rows instead.
ALTER TABLE readings REPLICA IDENTITY USING INDEX readings_key_sequence_identity;
