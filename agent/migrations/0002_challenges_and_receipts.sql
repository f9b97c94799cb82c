-- Compute challenges and work receipts (PROTOCOL.md §6.3, §6.5, §10).

-- Challenge answers exactly as signed and sent. The primary key is the challenge: the device
-- never signs two different answers to one challenge (that fails it, §10.7), across
-- restarts too; a restart resends the stored bytes.
CREATE TABLE challenge_answers (
    challenge_id  BLOB    PRIMARY KEY NOT NULL,
    epoch         INTEGER NOT NULL,
    beacon_index  INTEGER NOT NULL,
    deadline      INTEGER NOT NULL,
    message       BLOB    NOT NULL,
    signature     BLOB    NOT NULL,
    opening       BLOB    NOT NULL,
    signed_at     INTEGER NOT NULL
);

-- Per answer and oracle, the oracle's last word: accepted, duplicate or a permanent
-- rejection (its reason), with the oracle's attestation JSON when it sent one.
CREATE TABLE challenge_deliveries (
    challenge_id  BLOB    NOT NULL,
    oracle        TEXT    NOT NULL,
    outcome       TEXT    NOT NULL,
    attestation   TEXT,
    at            INTEGER NOT NULL,
    PRIMARY KEY (challenge_id, oracle)
);

-- Work receipts the device signed, one per (requester, job id): a second request for the
-- same job gets the same receipt, never a second one (two would void each other, §9.5.2).
-- requester_signature stays NULL until the requester co-signs.
CREATE TABLE receipts (
    requester            BLOB    NOT NULL,
    job_id               INTEGER NOT NULL,
    message              BLOB    NOT NULL,
    device_signature     BLOB    NOT NULL,
    requester_signature  BLOB,
    signed_at            INTEGER NOT NULL,
    PRIMARY KEY (requester, job_id)
);

-- Per co-signed receipt and oracle: accepted, duplicate or a permanent rejection's reason.
CREATE TABLE receipt_deliveries (
    requester  BLOB    NOT NULL,
    job_id     INTEGER NOT NULL,
    oracle     TEXT    NOT NULL,
    outcome    TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (requester, job_id, oracle)
);
