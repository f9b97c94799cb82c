-- Fewer random index writes per ingested reading. Every index of `readings` is written on
-- each insert, and an index keyed by a random value (identity, device key) costs about one
-- page write per reading once the table outgrows a commit (measured by `oracle-bench`).
-- * `(device_key, timestamp)` duplicated `(device_key, sequence)`: the close reads every
--   earlier reading of a key (§9.3 takes the low counter over all of them), which the
--   sequence index finds by its `device_key` prefix.
-- * `(epoch, node_id)` becomes `(epoch)`: nothing looks readings up by node, and one epoch's
--   entries are then appended in arrival order instead of spread over its nodes.
-- * The watchtower pages by `(received_at, rowid)` instead of `(received_at, identity)`: the
--   index is `(received_at)`, whose entries SQLite orders by rowid, so inserts append
--   instead of landing on random pages of the current second.
DROP INDEX readings_device_time;
DROP INDEX readings_epoch_node;
CREATE INDEX readings_epoch ON readings (epoch);
DROP INDEX readings_received;
CREATE INDEX readings_received ON readings (received_at);
