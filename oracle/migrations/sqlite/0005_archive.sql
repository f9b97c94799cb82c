-- Epochs whose inputs were pruned from the store after their archive file was written and
-- verified (oracle/src/archive). The readings later closes still read (per device key: the
-- highest sequence, the highest counters) stay in `readings`; everything else of the epoch
-- the manifest commits is in the archive file.
CREATE TABLE pruned_epochs (
    epoch             BIGINT PRIMARY KEY NOT NULL,
    manifest_hash     BLOB   NOT NULL,
    readings_deleted  BIGINT NOT NULL,
    readings_kept     BIGINT NOT NULL,
    receipts_deleted  BIGINT NOT NULL,
    pruned_at         BIGINT NOT NULL
);
