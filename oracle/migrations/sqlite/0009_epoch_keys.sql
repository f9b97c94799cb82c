-- The close lists an epoch's device keys before it streams their readings (it fetches their
-- bindings first). With `(epoch)` alone every key came from a random table row, a million
-- page reads per close at a million devices; `(epoch, device_key)` answers from the index,
-- in key order, and also serves the close's `IN (SELECT device_key …)` and every lookup by
-- epoch. One epoch's entries are no longer appended: an ingested reading writes into its
-- epoch's range at its key (measured by `oracle-bench`'s ingest phase).
DROP INDEX readings_epoch;
CREATE INDEX readings_epoch_key ON readings (epoch, device_key);
