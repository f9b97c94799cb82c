-- PostgreSQL twin of `../sqlite/0004_archive.sql`: epochs whose inputs were pruned after
-- their archive file was written and verified.
CREATE TABLE pruned_epochs (
    epoch             BIGINT PRIMARY KEY NOT NULL,
    manifest_hash     BYTEA  NOT NULL,
    readings_deleted  BIGINT NOT NULL,
    readings_kept     BIGINT NOT NULL,
    receipts_deleted  BIGINT NOT NULL,
    pruned_at         BIGINT NOT NULL
);
