-- Chapter 1 of the tour: the rule language on lead and customer documents.
SET search_path = salesops, public;
\pset footer off
\echo
\echo '=== 1. The rule language ========================================='
\echo 'Leads and customers arrive as jsonb documents from different systems.'
\echo 'Keys differ in case and spelling, some values are missing or typed oddly.'

CREATE TABLE demo_lead (lead_id text PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO demo_lead VALUES
 ('L-1001', '{"company": "Shanghai Medtech", "sector": "medical", "employees": 1200, "city": "Shanghai",
              "Lead Source": "Google", "TotalVisits": 7, "last_visit": "2026-11-28",
              "title": "Head of Procurement", "account": {"revenue": 2.4, "status": "active"}}'),
 ('L-1002', '{"company": "Nordic Clinics", "sector": "medical", "employees": 310, "city": "Oslo",
              "Lead Source": "Organic Search", "TotalVisits": 2, "last_visit": "2026-09-14",
              "account": {"revenue": 0.4, "status": "churned"}}'),
 ('L-1003', '{"company": "Acme Retail", "sector": "retail", "employees": "about 800", "city": "Shenzhen",
              "Lead Source": "Referral", "TotalVisits": 12, "last_visit": "2026-12-01T09:30:00+08:00",
              "title": null}'),
 ('L-1004', '{"company": "Helix Labs", "sector": "medical", "employees": 640, "city": "Shanghai",
              "Lead Source": "Google", "TotalVisits": 4, "last_visit": "last week",
              "title": "CTO", "account": {"revenue": 0.9, "status": "active"}}'),
 ('L-1005', '{"company": "Kappa Finance", "sector": "finance", "employees": 5000, "city": "Hong Kong",
              "Lead Source": "Organic Search", "TotalVisits": 9, "title": "CFO"}');

\echo
\echo 'Segments are rules. They are compiled once, when stored, and print in canonical form:'
CREATE TABLE demo_segment (segment text PRIMARY KEY, condition rule NOT NULL);
INSERT INTO demo_segment VALUES
 ('large medical',      'sector = ''medical'' and employees >= 500'),
 ('hot search lead',    '"Lead Source" in (''Google'',''Organic Search'') AND "TotalVisits" > 3'),
 ('active big account', 'account.revenue*1000000 >= 500000 and not (account.status = ''churned'')'),
 ('recently seen',      'days_since(last_visit) <= 30'),
 ('named contact',      'title IS NOT NULL'),
 ('shanghai area',      'lower(city) LIKE ''shang%'' OR city ILIKE ''shenzhen''');
SELECT segment, condition, rule_attributes(condition) AS reads FROM demo_segment ORDER BY segment;

\echo
\echo 'Which lead is in which segment, evaluated as of 2026-12-04 (three-valued: NULL = unknown):'
SELECT l.lead_id, l.doc ->> 'company' AS company,
       string_agg(s.segment, ', ' ORDER BY s.segment)
         FILTER (WHERE rule_test(s.condition, l.doc, '2026-12-04 12:00+00')) AS segments,
       string_agg(s.segment, ', ' ORDER BY s.segment)
         FILTER (WHERE rule_test(s.condition, l.doc, '2026-12-04 12:00+00') IS NULL) AS unknown
FROM demo_lead l CROSS JOIN demo_segment s
GROUP BY l.lead_id, l.doc ORDER BY l.lead_id;

\echo
\echo 'Acme Retail wrote its size as text.  rule_explain shows every step, the value it saw'
\echo 'and the reason for each NULL; OR still decides, as in SQL''s three-valued logic:'
SELECT step ->> 'expr' AS expression, step -> 'args' -> 0 -> 'value' AS saw,
       step -> 'value' AS value, step ->> 'note' AS note
FROM demo_lead,
     jsonb_array_elements(rule_explain('employees >= 500 OR "TotalVisits" > 10', doc) -> 'tree' -> 'args') AS step
WHERE lead_id = 'L-1003';
SELECT rule_explain('employees >= 500 OR "TotalVisits" > 10', doc) -> 'result' AS result
FROM demo_lead WHERE lead_id = 'L-1003';

\echo
\echo 'The same operator works in any query: doc @@ rule'
SELECT lead_id, doc ->> 'company' AS company
FROM demo_lead
WHERE doc @@ 'sector = ''medical'' AND employees BETWEEN 500 AND 2000'::rule
ORDER BY lead_id;

\echo
\echo 'Formulas: exact numbers, and NULL (never an error) when an input is bad:'
SELECT lead_id,
       rule_value('round(account.revenue * 1000000 * 0.02, 0)', doc) AS expected_deal_value,
       rule_value('"TotalVisits" / (employees / 100)', doc) AS visits_per_100_staff
FROM demo_lead ORDER BY lead_id;
SELECT rule_test('0.1 + 0.2 = 0.3', '{}') AS exact_decimal_arithmetic;

\echo
\echo 'Bad rules are rejected when written, with the position, like PostgreSQL''s own parser:'
\set ON_ERROR_STOP 0
SELECT 'sector = ''medical'' AND employees >= AND city = ''Oslo'''::rule;
SELECT 'nosuch(sector) = 1'::rule;
\set ON_ERROR_STOP 1
