-- Epoch close state (snapshot → close → vote → ledger). Integers that are u64 in the
-- protocol are stored as the same 64 bits in a signed BIGINT, as in 0001.

-- Crediting reads every reading of a device key before an epoch's end (§9.3 low counter).
CREATE INDEX readings_device_time ON readings (device_key, timestamp);

-- The node views of an epoch, read once after its end (§8.4) and reused by every re-vote.
-- `body` is the snapshot as JSON.
CREATE TABLE snapshots (
    epoch  BIGINT PRIMARY KEY NOT NULL,
    body   TEXT   NOT NULL
);

-- Every manifest this oracle computed or adopted, by hash (Borsh bytes, §5).
CREATE TABLE manifests (
    epoch          BIGINT NOT NULL,
    manifest_hash  BLOB   NOT NULL,
    body           BLOB   NOT NULL,
    PRIMARY KEY (epoch, manifest_hash)
);

-- The cumulative state after each finalized epoch, as the chain finalized it: the leaves
-- (Borsh `Vec<([u8; 32], u64)>`, sorted by recipient) serve proofs and let a new oracle
-- continue from a peer's state. A veto deletes the rows from the vetoed epoch on.
CREATE TABLE ledger (
    epoch             BIGINT PRIMARY KEY NOT NULL,
    manifest_hash     BLOB   NOT NULL,
    root              BLOB   NOT NULL,
    cumulative_total  BIGINT NOT NULL,
    leaves            BLOB   NOT NULL
);

-- Vote intents, written before the transaction is sent: one per (epoch, round, set
-- version), so a restart re-sends the same report and never votes twice.
CREATE TABLE votes (
    epoch        BIGINT NOT NULL,
    round        BIGINT NOT NULL,
    set_version  BIGINT NOT NULL,
    vote_hash    BLOB   NOT NULL,
    report       BLOB   NOT NULL,
    status       TEXT   NOT NULL,
    signature    TEXT,
    PRIMARY KEY (epoch, round, set_version)
);

-- Correction documents (§9.7) by hash, and the non-zero veto reasons seen per epoch.
CREATE TABLE corrections (
    hash  BLOB PRIMARY KEY NOT NULL,
    body  BLOB NOT NULL
);
CREATE TABLE veto_reasons (
    epoch      BIGINT NOT NULL,
    veto_count BIGINT NOT NULL,
    reason     BLOB   NOT NULL,
    PRIMARY KEY (epoch, veto_count)
);
