-- The agent's journal. Every reading is committed here (fsynced) before any oracle sees it,
-- so a crash can never lead to two different readings with one sequence number.

-- Who this journal belongs to; the agent refuses a journal of another device, node or
-- deployment (keys: device_key, deployment, node_id).
CREATE TABLE meta (
    key    TEXT PRIMARY KEY NOT NULL,
    value  BLOB NOT NULL
);

-- The signer's state, one row: the last signed reading's sequence, timestamp and counters,
-- and the meter's last raw counters (the baseline of the next increase).
CREATE TABLE signer (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    last_sequence  INTEGER NOT NULL,
    last_timestamp INTEGER NOT NULL,
    produced_wh    INTEGER NOT NULL,
    consumed_wh    INTEGER NOT NULL,
    raw_produced   INTEGER,
    raw_consumed   INTEGER,
    sampled_at     INTEGER,
    resets         INTEGER NOT NULL DEFAULT 0,
    jumps          INTEGER NOT NULL DEFAULT 0,
    -- The fraud-allowance floor min(K·P − r·t) over signed readings, for capacity floor_wp
    -- (an i128, as decimal text).
    floor_wp       INTEGER,
    floor_value    TEXT
);

-- Signed readings, exactly as sent. u64 values are stored as the same 64 bits (i64).
CREATE TABLE readings (
    sequence     INTEGER PRIMARY KEY NOT NULL,
    timestamp    INTEGER NOT NULL,
    produced_wh  INTEGER NOT NULL,
    consumed_wh  INTEGER NOT NULL,
    message      BLOB    NOT NULL,
    signature    BLOB    NOT NULL
);

-- Per oracle: the next sequence to deliver (everything below is acknowledged, compacted
-- away or permanently rejected).
CREATE TABLE cursors (
    oracle         TEXT PRIMARY KEY NOT NULL,
    next_sequence  INTEGER NOT NULL,
    last_ack_at    INTEGER,
    last_error     TEXT
);

-- Readings an oracle refused for good (bad signature, wrong deployment, ...): kept for the
-- operator, never retried.
CREATE TABLE rejections (
    oracle    TEXT    NOT NULL,
    sequence  INTEGER NOT NULL,
    reason    TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (oracle, sequence)
);
