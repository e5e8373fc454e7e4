-- 4. After prop_rules went out and came back through COPY (FORMAT binary):
-- every rule came back, equal and with the same canonical text.
SET search_path = public, salesops;
INSERT INTO prop_problem (rid, what)
SELECT r.id, CASE WHEN b.id IS NULL THEN 'lost in binary COPY' ELSE 'differs after binary COPY: ' || b.r::text END
FROM prop_rules r LEFT JOIN prop_bin b ON b.id = r.id
WHERE r.r IS NOT NULL AND (b.id IS NULL OR NOT (b.r = r.r) OR b.r::text <> r.r::text);
