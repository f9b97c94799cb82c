-- Watchtower (PROTOCOL.md §7.2): it pages through readings by receive time, then looks at each
-- device key's readings by sequence number, and remembers where it stopped.
-- `received_at` stays informational for crediting; the watchtower only uses it to find what
-- arrived since its last pass.

CREATE INDEX readings_received ON readings (received_at, identity);
CREATE INDEX readings_key_sequence ON readings (device_key, sequence);

-- One row (id = 1): readings received at or after `received_from` are scanned next pass.
CREATE TABLE watchtower_cursor (
    id             INTEGER PRIMARY KEY NOT NULL,
    received_from  BIGINT  NOT NULL
);
