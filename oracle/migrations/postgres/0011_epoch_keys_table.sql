-- The device keys of each epoch in a table of their own, written once per (epoch, key); see
-- the SQLite migration of the same name. Not rolling: a server of an earlier version would
-- store readings without listing their keys here (stop every server, migrate, start).
CREATE TABLE epoch_keys (
    epoch      BIGINT NOT NULL,
    device_key BYTEA  NOT NULL,
    PRIMARY KEY (epoch, device_key)
);
INSERT INTO epoch_keys (epoch, device_key)
SELECT DISTINCT epoch, device_key FROM readings WHERE epoch IS NOT NULL;
-- The old index goes last: the backfill reads it, and on PostgreSQL dropping it locks
-- `readings` against reads too, until the migration commits.
CREATE INDEX readings_epoch ON readings (epoch);
DROP INDEX readings_epoch_key;
