-- PostgreSQL twin of `../sqlite/0003_watchtower.sql`: the watchtower pages through readings
-- by receive time, looks at a device key's readings by sequence, and keeps a cursor.

CREATE INDEX readings_received ON readings (received_at, identity);
CREATE INDEX readings_key_sequence ON readings (device_key, sequence);

-- One row (id = 1): readings received at or after `received_from` are scanned next pass.
CREATE TABLE watchtower_cursor (
    id             BIGINT  PRIMARY KEY NOT NULL,
    received_from  BIGINT  NOT NULL
);
