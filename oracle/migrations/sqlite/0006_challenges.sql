-- Compute-challenge evidence (PROTOCOL.md §6.5, §6.6, §10.7), stored and synced like readings.
-- Primary keys are the identities of §10.8 (`GMID-ANSWER`, `GMID-ATTEST`: no signature), so a
-- resent answer or attestation is a no-op. `epoch` is the message's epoch (the challenge's);
-- an epoch's close reads both tables through the `(epoch, challenge_id)` indexes, which also
-- answer "does this oracle hold an answer to / an attestation of this challenge".
-- `received_at` is this oracle's clock when the answer first arrived (its attestation signs
-- the time it was received directly from the device; answers pulled from peers are not
-- attested).

CREATE TABLE challenge_answers (
    identity      BLOB    PRIMARY KEY NOT NULL,
    epoch         BIGINT  NOT NULL,
    device_key    BLOB    NOT NULL,
    node_id       BIGINT  NOT NULL,
    challenge_id  BLOB    NOT NULL,
    message       BLOB    NOT NULL,
    signature     BLOB    NOT NULL,
    -- The Merkle paths of the sampled rows (§10.5), bound to `message` by its opening hash.
    opening       BLOB    NOT NULL,
    received_at   BIGINT  NOT NULL
);
CREATE INDEX challenge_answers_epoch ON challenge_answers (epoch, challenge_id);

CREATE TABLE challenge_attestations (
    identity      BLOB    PRIMARY KEY NOT NULL,
    epoch         BIGINT  NOT NULL,
    challenge_id  BLOB    NOT NULL,
    oracle_key    BLOB    NOT NULL,
    message       BLOB    NOT NULL,
    signature     BLOB    NOT NULL
);
CREATE INDEX challenge_attestations_epoch ON challenge_attestations (epoch, challenge_id);
