-- PostgreSQL twin of `../sqlite/0001_inputs.sql`: the same tables, columns, keys and indexes,
-- with BYTEA for BLOB. Signed inputs as received (PROTOCOL.md §9.1), keyed by identity; u64
-- wire integers are stored as the same 64 bits in a signed BIGINT; `received_at` is server
-- time, informational only.

CREATE TABLE readings (
    identity     BYTEA   PRIMARY KEY NOT NULL,
    device_key   BYTEA   NOT NULL,
    node_id      BIGINT  NOT NULL,
    sequence     BIGINT  NOT NULL,
    timestamp    BIGINT  NOT NULL,
    -- NULL: timestamped before genesis (never credited, kept for completeness).
    epoch        BIGINT,
    message      BYTEA   NOT NULL,
    signature    BYTEA   NOT NULL,
    received_at  BIGINT  NOT NULL
);
-- An epoch's close reads its rows through this index only.
CREATE INDEX readings_epoch_node ON readings (epoch, node_id);

CREATE TABLE receipts (
    identity             BYTEA   PRIMARY KEY NOT NULL,
    device_key           BYTEA   NOT NULL,
    node_id              BIGINT  NOT NULL,
    job_id               BIGINT  NOT NULL,
    requester            BYTEA   NOT NULL,
    finished_at          BIGINT  NOT NULL,
    -- Epoch of `finished_at` (§9.5.2); NULL before genesis.
    epoch                BIGINT,
    message              BYTEA   NOT NULL,
    device_signature     BYTEA   NOT NULL,
    requester_signature  BYTEA   NOT NULL,
    received_at          BIGINT  NOT NULL
);
CREATE INDEX receipts_epoch_node ON receipts (epoch, node_id);
