-- PostgreSQL twin of `../sqlite/0008_close_reads.sql`, BYTEA for BLOB.

-- Snapshots are stored binary; the JSON snapshots stored before keep their bytes (UTF-8) and
-- are still read.
ALTER TABLE snapshots ALTER COLUMN body TYPE BYTEA USING convert_to(body, 'UTF8');

CREATE TABLE binding_addresses (
    device_key  BYTEA PRIMARY KEY NOT NULL,
    address     BYTEA NOT NULL
);
