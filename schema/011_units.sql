-- 011_units.sql — quantities with units (docs/SCHEMA.md, "Quantities").
--
-- A product is sold in a unit (米, 平方米, 卷, 套, 件, 个 ...) counted in
-- steps of 10^-qty_scale: 件 whole (scale 0), fabric by the centimetre
-- (米, scale 2). An order item copies both, and its qty is an integer
-- number of those steps: 3.5 m of fabric is qty 350 with qty_scale 2. Rows
-- written before this migration are whole units (scale 0), so their qty
-- keeps its meaning. line_total = qty * unit_price / 10^qty_scale, rounded
-- half up to the cent.

ALTER TABLE product ADD COLUMN unit TEXT NOT NULL DEFAULT '件';
ALTER TABLE product ADD COLUMN qty_scale INTEGER NOT NULL DEFAULT 0
	CHECK (qty_scale BETWEEN 0 AND 3);
ALTER TABLE order_item ADD COLUMN unit TEXT;
ALTER TABLE order_item ADD COLUMN qty_scale INTEGER NOT NULL DEFAULT 0
	CHECK (qty_scale BETWEEN 0 AND 3);
