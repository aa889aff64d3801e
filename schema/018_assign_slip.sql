-- 018_assign_slip.sql — assignment rules for new enquiries, and the
-- settings a printed sales slip needs (docs/SCHEMA.md).
--
-- assign_rule (branch -> HQ -> every branch): HQ or a branch manager says
-- who gets a new customer. A rule matches a customer by home branch,
-- region (of the home branch), product category of interest (found in
-- customer.interests) and channel; a condition left NULL matches
-- anything. Rules are tried in priority order (lowest first, then name);
-- the first that matches and has an active member gives the customer to
-- the next member of its staff group in turn. A rule is removed by making
-- it inactive, so customer.assign_rule keeps naming it. The name is not
-- a UNIQUE constraint: two sites naming a rule alike while offline must
-- not stop sync (a UNIQUE failure would refuse the batch); both rules
-- then sync and are tried by priority, name and id.
CREATE TABLE assign_rule (
	id	TEXT PRIMARY KEY NOT NULL DEFAULT (op_uuid7),
	name	TEXT NOT NULL,		-- unique when defined (checked, not a constraint)
	priority INTEGER NOT NULL,
	branch	TEXT,			-- the customer's home branch
	region	TEXT,			-- the home branch's region
	category TEXT,			-- a product category in customer.interests
	channel	TEXT,			-- a channel code
	staff	TEXT NOT NULL,		-- ','-separated staff codes, taken in turn
	active	INTEGER NOT NULL DEFAULT 1,
	created_by TEXT,
	created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX assign_rule_name ON assign_rule(name);

-- Whose turn it is, per rule, at this store: not synced. Each store keeps
-- its own turn, so a branch offline for a week still deals fairly, and
-- the count survives restarts because it is a row.
CREATE TABLE assign_turn (
	rule_id	TEXT PRIMARY KEY NOT NULL,
	last_staff TEXT,		-- the member given the last customer here
	turns	INTEGER NOT NULL DEFAULT 0
);

-- The rule that gave the customer its owner (assign_rule.id), NULL when
-- the owner was given by hand or no rule matched.
ALTER TABLE customer ADD COLUMN assign_rule TEXT;

-- What a store prints on a sales slip: its shop name, address and phone,
-- per site (branch -> HQ -> every branch, so HQ can print a branch's slip
-- and a rebuilt branch gets its own back). The id is the site, '/', and
-- the key, like customer_attr.
CREATE TABLE store_setting (
	id	TEXT PRIMARY KEY NOT NULL,	-- site || '/' || key
	site	TEXT NOT NULL,
	key	TEXT NOT NULL,		-- name, address, phone (checked by setting.c, so a
					-- later key cannot stall an older store's sync)
	value	TEXT,
	CHECK (id = site || '/' || key)
);
