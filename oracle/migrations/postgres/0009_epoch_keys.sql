-- The close lists an epoch's device keys before it streams their readings; see the SQLite
-- migration of the same name. `(epoch, device_key)` answers that list from the index.
DROP INDEX readings_epoch;
CREATE INDEX readings_epoch_key ON readings (epoch, device_key);
