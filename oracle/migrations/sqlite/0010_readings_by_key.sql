-- One random index write less per ingested reading. The identity is a hash, so its primary
-- key index put every new reading on a random page: each row dirtied a 4 KiB page that the
-- commit wrote to the WAL (about 37 µs of SQLite's worker per reading, measured by
-- `oracle-bench`). A unique `(device_key, sequence, identity)` keeps exactly one row per
-- identity as well (equal identities hash equal keys and messages, so equal sequences), lands
-- a device's readings next to each other, and replaces `(device_key, sequence)` too. A
-- primary key cannot be dropped in SQLite: the table is copied, rowids kept (the watchtower
-- pages by them). This rewrites `readings` once; on a large store the first start takes a
-- while.
CREATE TABLE readings_by_key (
    identity     BLOB    NOT NULL,
    device_key   BLOB    NOT NULL,
    node_id      BIGINT  NOT NULL,
    sequence     BIGINT  NOT NULL,
    timestamp    BIGINT  NOT NULL,
    -- NULL: timestamped before genesis (never credited, kept for completeness).
    epoch        BIGINT,
    message      BLOB    NOT NULL,
    signature    BLOB    NOT NULL,
    received_at  BIGINT  NOT NULL
);
INSERT INTO readings_by_key (rowid, identity, device_key, node_id, sequence, timestamp, epoch,
    message, signature, received_at)
SELECT rowid, identity, device_key, node_id, sequence, timestamp, epoch, message, signature,
    received_at FROM readings ORDER BY rowid;
DROP TABLE readings;
ALTER TABLE readings_by_key RENAME TO readings;
CREATE UNIQUE INDEX readings_key_sequence_identity ON readings (device_key, sequence, identity);
CREATE INDEX readings_epoch_key ON readings (epoch, device_key);
CREATE INDEX readings_received ON readings (received_at);
