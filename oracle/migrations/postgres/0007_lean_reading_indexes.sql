-- Fewer random index writes per ingested reading (see the SQLite migration of the same
-- name for the reasons). PostgreSQL has no rowid: `arrival` numbers rows in insertion order
-- (existing rows are numbered by this migration, which rewrites the table: added first, so
-- the new index is built once) and breaks ties of `received_at` for the watchtower's paging.
ALTER TABLE readings ADD COLUMN arrival BIGSERIAL;
DROP INDEX readings_device_time;
DROP INDEX readings_epoch_node;
CREATE INDEX readings_epoch ON readings (epoch);
DROP INDEX readings_received;
CREATE INDEX readings_received ON readings (received_at, arrival);
