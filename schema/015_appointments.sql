-- 015_appointments.sql — visits to the customer's home: measurement
-- (上门测量), installation (安装), repair (维修, often from a ticket),
-- delivery (docs/SCHEMA.md). Branch -> HQ, like tickets.

CREATE TABLE appointment (
	id	TEXT PRIMARY KEY NOT NULL DEFAULT (op_uuid7),
	customer_id TEXT NOT NULL REFERENCES customer(id),
	kind	TEXT NOT NULL DEFAULT 'measure'
		CHECK (kind IN ('measure','install','repair','delivery')),
	starts_at TEXT NOT NULL,		-- 'YYYY-MM-DD HH:MM:SS', local wall time as agreed
	ends_at	TEXT,				-- the end of the time slot
	address	TEXT,
	staff	TEXT,				-- who goes
	status	TEXT NOT NULL DEFAULT 'scheduled'
		CHECK (status IN ('scheduled','done','cancelled')),
	result	TEXT,
	measurements TEXT,			-- one line per window or room: '客厅: 2.80 x 2.60'
	order_id TEXT,
	ticket_id TEXT,
	notes	TEXT,
	branch	TEXT,
	created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX appointment_starts ON appointment(starts_at);
CREATE INDEX appointment_customer ON appointment(customer_id);
