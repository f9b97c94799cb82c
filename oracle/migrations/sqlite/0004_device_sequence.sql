-- A device's last reading by sequence (`GET /v1/devices/{key}/last-reading`: where an agent
-- with a fresh journal continues, so it never reuses a sequence).
CREATE INDEX readings_device_sequence ON readings (device_key, sequence);
