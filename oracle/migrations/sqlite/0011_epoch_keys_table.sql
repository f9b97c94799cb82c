-- The device keys of each epoch in a table of their own, written once per (epoch, key), instead
-- of the `(epoch, device_key)` index of `readings`, written once per reading. Every ingested
-- reading wrote that index at its key, a random page that the commit then wrote to the WAL:
-- about a quarter of SQLite ingest's time (`oracle-bench`). A reading whose (epoch, key) is
-- already listed only searches this table (ingest remembers the pairs it committed, so it
-- mostly skips even that). `(epoch)` again serves the epoch's readings (archive, pruning):
-- its entries are appended, as in 0007.
CREATE TABLE epoch_keys (
    epoch      BIGINT NOT NULL,
    device_key BLOB   NOT NULL,
    PRIMARY KEY (epoch, device_key)
) WITHOUT ROWID;
INSERT INTO epoch_keys (epoch, device_key)
SELECT DISTINCT epoch, device_key FROM readings WHERE epoch IS NOT NULL;
-- The old index goes last: the backfill reads it, and on PostgreSQL dropping it locks
-- `readings` against reads too, until the migration commits.
CREATE INDEX readings_epoch ON readings (epoch);
DROP INDEX readings_epoch_key;
