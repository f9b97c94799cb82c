-- Signed inputs as received (PROTOCOL.md §9.1). The primary key is the input's identity,
-- H(borsh(input)), so a resent input is a no-op (`duplicate`) and every oracle names it alike.
-- Integers that are u64 on the wire (node id, sequence, job id, epoch) are stored as the same
-- 64 bits in a signed BIGINT (two's complement); the code converts both ways.
-- `received_at` is server time, informational only: crediting never reads it.
-- Portable SQL except the column type BLOB (PostgreSQL gets its own migration set with BYTEA).

CREATE TABLE readings (
    identity     BLOB    PRIMARY KEY NOT NULL,
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
CREATE INDEX readings_epoch_node ON readings (epoch, node_id);

CREATE TABLE receipts (
    identity             BLOB    PRIMARY KEY NOT NULL,
    device_key           BLOB    NOT NULL,
    node_id              BIGINT  NOT NULL,
    job_id               BIGINT  NOT NULL,
    requester            BLOB    NOT NULL,
    finished_at          BIGINT  NOT NULL,
    -- Epoch of `finished_at` (§9.5.2); NULL before genesis.
    epoch                BIGINT,
    message              BLOB    NOT NULL,
    device_signature     BLOB    NOT NULL,
    requester_signature  BLOB    NOT NULL,
    received_at          BIGINT  NOT NULL
);
CREATE INDEX receipts_epoch_node ON receipts (epoch, node_id);
