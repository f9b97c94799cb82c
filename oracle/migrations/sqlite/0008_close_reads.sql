-- Less for a close to redo at every epoch.

-- Snapshots are stored binary from now on (`Snapshot::encode`: a magic, then Borsh): the
-- JSON of a million nodes' 32-byte keys, as arrays of numbers, took seconds to parse at
-- every close. A TEXT column keeps BLOB values as they are, so only the rows stored as JSON
-- text change storage class, to the bytes of the same text, which is still read.
UPDATE snapshots SET body = CAST(body AS BLOB);

-- The `DeviceBinding` address of each device key a close has read: a memo of the PDA
-- derivation, a few microseconds of curve arithmetic per key that at a million keys took
-- seconds of every close. Never changes for a key (the config address is fixed).
CREATE TABLE binding_addresses (
    device_key  BLOB PRIMARY KEY NOT NULL,
    address     BLOB NOT NULL
) WITHOUT ROWID;
