-- PostgreSQL twin of `../sqlite/0002_epochs.sql` (epoch close state), BYTEA for BLOB.

-- Crediting reads every reading of a device key before an epoch's end (§9.3 low counter).
CREATE INDEX readings_device_time ON readings (device_key, timestamp);

-- The node views of an epoch as JSON, read once after its end (§8.4).
CREATE TABLE snapshots (
    epoch  BIGINT PRIMARY KEY NOT NULL,
    body   TEXT   NOT NULL
);

-- Every manifest this oracle computed or adopted, by hash (Borsh bytes, §5).
CREATE TABLE manifests (
    epoch          BIGINT NOT NULL,
    manifest_hash  BYTEA  NOT NULL,
    body           BYTEA  NOT NULL,
    PRIMARY KEY (epoch, manifest_hash)
);

-- The cumulative state after each finalized epoch (leaves: Borsh, sorted by recipient).
CREATE TABLE ledger (
    epoch             BIGINT PRIMARY KEY NOT NULL,
    manifest_hash     BYTEA  NOT NULL,
    root              BYTEA  NOT NULL,
    cumulative_total  BIGINT NOT NULL,
    leaves            BYTEA  NOT NULL
);

-- Vote intents, written before the transaction is sent, one per (epoch, round, set version).
CREATE TABLE votes (
    epoch        BIGINT NOT NULL,
    round        BIGINT NOT NULL,
    set_version  BIGINT NOT NULL,
    vote_hash    BYTEA  NOT NULL,
    report       BYTEA  NOT NULL,
    status       TEXT   NOT NULL,
    signature    TEXT,
    PRIMARY KEY (epoch, round, set_version)
);

-- Correction documents (§9.7) by hash, and the non-zero veto reasons seen per epoch.
CREATE TABLE corrections (
    hash  BYTEA PRIMARY KEY NOT NULL,
    body  BYTEA NOT NULL
);
CREATE TABLE veto_reasons (
    epoch      BIGINT NOT NULL,
    veto_count BIGINT NOT NULL,
    reason     BYTEA  NOT NULL,
    PRIMARY KEY (epoch, veto_count)
);
