-- Knowledge base (知识库): articles agents answer citizens from, run by shift leads and managers (docs/domain.md,
-- knowledge base). Search is by substring, indexed as the set of two- and three-character substrings (bigrams and
-- trigrams) of each article's normalised text (packages/domain/src/kb/kb.text.ts) in a GIN index; candidates holding
-- every gram of the query are checked for its longer runs, so results are exactly a substring scan's.

CREATE TABLE kb_articles (
  id             bigserial PRIMARY KEY,
  title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  -- Plain text with light structure (blank line = paragraph, "- " = list item); pages render it as text, never HTML.
  body           text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
  category       text NOT NULL,
  department_id  text REFERENCES departments (id),
  region         text,
  keywords       text[] NOT NULL DEFAULT '{}',
  valid_from     date,
  valid_until    date,
  status         text NOT NULL CHECK (status IN ('draft', 'review', 'published', 'withdrawn')),
  -- Incremented by every change of the text; kb_article_versions keeps each.
  version        integer NOT NULL DEFAULT 1,
  -- Normalised title (ranking: a title match first), the normalised title, keywords and body, and their bigrams and
  -- trigrams (written by the repository from the domain's functions).
  title_text     text NOT NULL,
  search_text    text NOT NULL,
  grams          text[] NOT NULL,
  -- Times an agent marked the article as used to answer a call (ranking; the direct-answer report).
  use_count      integer NOT NULL DEFAULT 0,
  created_by     text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  -- Who saved the current text: a second person approves it.
  edited_by      text NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  published_by   text,
  published_at   timestamptz,
  CHECK (valid_until IS NULL OR valid_from IS NULL OR valid_from <= valid_until)
);
CREATE INDEX kb_articles_grams_idx ON kb_articles USING gin (grams);
-- No other index on kb_articles' filter columns (status, validity, category): the search must go through the gram
-- index, and an index on status made PostgreSQL check a common query's grams row by row instead (243 ms against 21 ms,
-- npm run bench:kb). Lists by status read the table's narrow columns; 20,000 articles are a few milliseconds.

-- Every change of an article, with who and when: its text at each version and each workflow step.
CREATE TABLE kb_article_history (
  id          bigserial PRIMARY KEY,
  article_id  bigint NOT NULL REFERENCES kb_articles (id),
  version     integer NOT NULL,
  action      text NOT NULL CHECK (action IN ('create', 'edit', 'submit', 'approve', 'reject', 'withdraw', 'reopen')),
  status      text NOT NULL,
  actor       text NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  -- The text after a create or edit (title, body, category, department, region, keywords, validity); null for a step.
  content     jsonb,
  note        text
);
CREATE INDEX kb_article_history_article_idx ON kb_article_history (article_id, id);

-- An agent marked an article as what answered a call.
CREATE TABLE kb_article_uses (
  id          bigserial PRIMARY KEY,
  article_id  bigint NOT NULL REFERENCES kb_articles (id),
  agent_id    text,
  call_id     text,
  ticket_id   bigint,
  used_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kb_article_uses_article_idx ON kb_article_uses (article_id, used_at);
CREATE UNIQUE INDEX kb_article_uses_once_per_call_idx ON kb_article_uses (article_id, call_id) WHERE call_id IS NOT NULL;
