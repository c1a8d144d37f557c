-- Suggestions from the ticket in hand (docs/domain.md §13): what a ticket's text can mention of an article — the runs
-- of two to twelve characters of its keywords and category, normalised like its search text — in a GIN index, looked
-- up with the ticket text's substrings (`&&`). The index has no pending list (fastupdate off): articles are written a
-- few times a day, and a pending list left by a bulk load made each lookup scan it (176 ms against 5 ms after
-- VACUUM, npm run bench:kb). NULL: written before this column existed; such articles are read as candidates too (the
-- domain decides) until their terms are filled (KnowledgeBaseRepository.backfillSuggestTerms, run after migrating).
ALTER TABLE kb_articles ADD COLUMN suggest_terms text[];
CREATE INDEX kb_articles_suggest_terms_idx ON kb_articles USING gin (suggest_terms) WITH (fastupdate = off);
CREATE INDEX kb_articles_suggest_terms_missing_idx ON kb_articles (id) WHERE suggest_terms IS NULL;
