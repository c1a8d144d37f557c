import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely';
import { CtiError, KB_INDEX_EXACT_CHARS, assertKbValidity, kbGrams, kbEditableIn, kbSearchText, kbStatusAfterEdit, kbSuggestTerms, kbTextSubstrings, kbTransition, normalizeKbText, type KbAction, type KbQuery, type KbStatus, type KbSuggestionCandidate } from '@cti/domain';
import type { Database, KbArticlesTable } from './db.schema.js';

/** What an editor writes: the article's text and where it applies. Dates are Beijing calendar days 'YYYY-MM-DD'. */
export interface KbArticleInput {
  title: string;
  body: string;
  category: string;
  departmentId: string | null;
  region: string | null;
  keywords: string[];
  validFrom: string | null;
  validUntil: string | null;
}

/** An article as the API shows it. */
export interface KbArticle extends KbArticleInput {
  id: string;
  status: KbStatus;
  version: number;
  useCount: number;
  createdBy: string;
  createdAt: Date;
  editedBy: string;
  updatedAt: Date;
  publishedBy: string | null;
  publishedAt: Date | null;
}

/** One entry of an article's history. */
export interface KbHistoryEntry {
  version: number;
  action: string;
  status: string;
  actor: string;
  at: Date;
  content: Record<string, unknown> | null;
  note: string | null;
}

/** A search counts its matches up to this many (and says when there are more). */
export const KB_COUNT_CAP = 1000;

/** Which articles a search reads: what agents see today (published, inside the validity window), or all of them. */
export type KbScope = { kind: 'agents'; today: string } | { kind: 'all'; status?: KbStatus };

export interface KbSearch {
  query?: KbQuery;
  category?: string;
  scope: KbScope;
  limit: number;
  offset: number;
}

type Row = Omit<Selectable<KbArticlesTable>, 'valid_from' | 'valid_until' | 'title_text' | 'search_text' | 'grams' | 'suggest_terms'> & { valid_from: string | null; valid_until: string | null };

const present = (r: Row): KbArticle => ({
  id: r.id,
  title: r.title,
  body: r.body,
  category: r.category,
  departmentId: r.department_id,
  region: r.region,
  keywords: r.keywords,
  validFrom: r.valid_from,
  validUntil: r.valid_until,
  status: r.status,
  version: r.version,
  useCount: r.use_count,
  createdBy: r.created_by,
  createdAt: r.created_at,
  editedBy: r.edited_by,
  updatedAt: r.updated_at,
  publishedBy: r.published_by,
  publishedAt: r.published_at,
});

/** The stored search columns of an article's text. */
function searchColumns(a: KbArticleInput): { title_text: string; search_text: string; grams: string[]; suggest_terms: string[] } {
  const search_text = kbSearchText(a);
  return { title_text: normalizeKbText(a.title), search_text, grams: kbGrams(search_text), suggest_terms: kbSuggestTerms(a) };
}

const contentOf = (a: KbArticleInput) => JSON.stringify(a);

/**
 * The knowledge base (知识库) in PostgreSQL: articles, their history and their use. Searching is a substring search
 * answered from a GIN index of each article's bigrams (migrations/0900_knowledge_base.sql, docs/domain.md).
 */
export class KnowledgeBaseRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private articles(db: Kysely<Database> = this.db) {
    // Not the search columns (grams are hundreds of entries an article); dates as the calendar days they are.
    return db
      .selectFrom('kb_articles')
      .select(['id', 'title', 'body', 'category', 'department_id', 'region', 'keywords', 'status', 'version', 'use_count', 'created_by', 'created_at', 'edited_by', 'updated_at', 'published_by', 'published_at'])
      .select([sql<string | null>`to_char(kb_articles.valid_from, 'YYYY-MM-DD')`.as('valid_from'), sql<string | null>`to_char(kb_articles.valid_until, 'YYYY-MM-DD')`.as('valid_until')]);
  }

  /** A new draft written by `actor`. */
  async create(input: KbArticleInput, actor: string): Promise<KbArticle> {
    assertKbValidity(input);
    return this.db.transaction().execute(async (tx) => {
      const { id } = await tx
        .insertInto('kb_articles')
        .values({
          title: input.title,
          body: input.body,
          category: input.category,
          department_id: input.departmentId,
          region: input.region,
          keywords: input.keywords,
          valid_from: input.validFrom,
          valid_until: input.validUntil,
          status: 'draft',
          ...searchColumns(input),
          created_by: actor,
          edited_by: actor,
          published_by: null,
          published_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx.insertInto('kb_article_history').values({ article_id: id, version: 1, action: 'create', status: 'draft', actor, content: contentOf(input), note: null }).execute();
      return present((await this.articles(tx).where('id', '=', id).executeTakeFirstOrThrow()) as Row);
    });
  }

  /** One article (any status), or undefined. */
  async find(id: string): Promise<KbArticle | undefined> {
    const row = await this.articles().where('id', '=', id).executeTakeFirst();
    return row && present(row as Row);
  }

  /**
   * Saves a new version of the text. `expectedVersion` is the version the editor started from: CTI_ERR_CONFLICT when
   * someone saved in between (their change is not overwritten). An article in review goes back to draft.
   */
  async update(id: string, patch: Partial<KbArticleInput>, actor: string, expectedVersion: number): Promise<KbArticle> {
    return this.db.transaction().execute(async (tx) => {
      const current = await this.locked(tx, id);
      if (!kbEditableIn(current.status)) throw new CtiError('CTI_ERR_INVALID_STATE', `a ${current.status} article is reopened before it is edited`, { id, status: current.status });
      if (current.version !== expectedVersion) {
        throw new CtiError('CTI_ERR_CONFLICT', `the article was changed meanwhile (version ${current.version}, edited by ${current.editedBy})`, { id, version: current.version, editedBy: current.editedBy });
      }
      const next: KbArticleInput = { ...pick(current), ...patch };
      assertKbValidity(next);
      const status = kbStatusAfterEdit(current.status);
      const version = current.version + 1;
      await tx
        .updateTable('kb_articles')
        .set({
          title: next.title,
          body: next.body,
          category: next.category,
          department_id: next.departmentId,
          region: next.region,
          keywords: next.keywords,
          valid_from: next.validFrom,
          valid_until: next.validUntil,
          ...searchColumns(next),
          status,
          version,
          edited_by: actor,
          updated_at: new Date(),
        })
        .where('id', '=', id)
        .execute();
      await tx.insertInto('kb_article_history').values({ article_id: id, version, action: 'edit', status, actor, content: contentOf(next), note: null }).execute();
      return present((await this.articles(tx).where('id', '=', id).executeTakeFirstOrThrow()) as Row);
    });
  }

  /** A workflow step by `actor` (kbTransition's rules: approval by a second person). */
  async transition(id: string, action: KbAction, actor: string, note: string | null): Promise<KbArticle> {
    return this.db.transaction().execute(async (tx) => {
      const current = await this.locked(tx, id);
      const status = kbTransition(current, action, actor);
      await tx
        .updateTable('kb_articles')
        .set({ status, updated_at: new Date(), ...(action === 'approve' && { published_by: actor, published_at: new Date() }) })
        .where('id', '=', id)
        .execute();
      await tx.insertInto('kb_article_history').values({ article_id: id, version: current.version, action, status, actor, content: null, note }).execute();
      return present((await this.articles(tx).where('id', '=', id).executeTakeFirstOrThrow()) as Row);
    });
  }

  /** The article's history, oldest first; undefined when there is no such article. */
  async history(id: string): Promise<KbHistoryEntry[] | undefined> {
    if (!(await this.find(id))) return undefined;
    return this.db
      .selectFrom('kb_article_history')
      .select(['version', 'action', 'status', 'actor', 'at', 'content', 'note'])
      .where('article_id', '=', id)
      .orderBy('id')
      .execute();
  }

  /**
   * Articles containing every run of the query (a substring search; all articles of the scope without one), title
   * matches first, then the most used, then the newest; and how many match, counted up to KB_COUNT_CAP (`capped` when
   * there are more: "1000+" is what an agent needs to know of a query that common).
   *
   * The index's candidates (every gram of the query present) are ranked on small columns (the title's search text,
   * the use count, the id) and only then checked, in rank order, for the runs longer than three characters (a run of
   * two or three is its own gram: the index alone decides it), until the page and the count are complete; then only the
   * page's articles are read in full. `OFFSET 0` keeps PostgreSQL from checking every candidate before ranking them.
   * Reading and checking every match first cost 150 ms for a query most articles match ("电话0836"; `npm run bench:kb`).
   */
  async search(s: KbSearch): Promise<{ items: KbArticle[]; total: number; capped: boolean }> {
    const runs = s.query?.text.split(' ') ?? [];
    const first = runs[0];
    const cap = Math.max(KB_COUNT_CAP, s.offset + s.limit);
    const longRuns = runs.filter((run) => [...run].length > KB_INDEX_EXACT_CHARS);
    const matchIds = async (db: Kysely<Database>): Promise<string[]> => {
      const inTitle = first === undefined ? sql<boolean>`false` : sql<boolean>`strpos(title_text, ${first}) > 0`;
      // The ranked candidates carry only narrow columns: a sort of 19,000 candidates with their search texts spilled
      // to disk (4 MB work_mem) and was most of a common query's time.
      let candidates = db.selectFrom('kb_articles').select(['id', 'use_count', inTitle.as('in_title')]);
      if (s.query) candidates = candidates.where('grams', '@>', sql<string[]>`${s.query.grams}::text[]`);
      if (s.category !== undefined) candidates = candidates.where('category', '=', s.category);
      if (s.scope.kind === 'agents') {
        const today = s.scope.today;
        candidates = candidates.where(visibleOn(today));
      } else if (s.scope.status !== undefined) {
        candidates = candidates.where('status', '=', s.scope.status);
      }
      const ranked = candidates.orderBy('in_title', 'desc').orderBy('use_count', 'desc').orderBy('id', 'desc').offset(0);
      // The longer runs are checked on each ranked candidate in turn (EXISTS by primary key: a nested loop over the
      // ranked candidates keeps their order and stops at the page and the count): only those articles' search texts
      // are read and decompressed.
      const matches = db
        .selectFrom(ranked.as('c'))
        .$if(longRuns.length > 0, (q) =>
          q.where(({ exists, selectFrom }) => {
            let check = selectFrom('kb_articles as a').select(sql<number>`1`.as('hit')).whereRef('a.id', '=', 'c.id');
            for (const run of longRuns) check = check.where(sql<boolean>`strpos(a.search_text, ${run}) > 0`);
            return exists(check);
          }),
        )
        .select(['c.id'])
        .orderBy('c.in_title', 'desc')
        .orderBy('c.use_count', 'desc')
        .orderBy('c.id', 'desc');
      return (await matches.limit(cap + 1).execute()).map((r) => r.id);
    };
    // PostgreSQL does not count the cost of decompressing an article's gram array to check it row by row, so for a
    // common gram ("工作日", in 70% of the bench's articles) it chose a sequential scan that decompressed every array
    // (213 ms) over the gram index (21 ms). With a query, the gram index is the only index its filters can use, and
    // sequential scans are ruled out for this one statement.
    // Nor does it run in parallel workers: starting them cost more than they saved on this size (a common query took
    // 56 ms with two workers and 42 ms without, `npm run bench:kb`'s articles), and the CPU they take is the
    // switch's and the gateway's.
    const ids = s.query
      ? await this.db.transaction().execute(async (tx) => {
          await sql`SET LOCAL enable_seqscan = off`.execute(tx);
          await sql`SET LOCAL max_parallel_workers_per_gather = 0`.execute(tx);
          return matchIds(tx);
        })
      : await matchIds(this.db);
    const capped = ids.length > cap;
    const pageIds = ids.slice(s.offset, s.offset + s.limit);
    const rows = pageIds.length ? await this.articles().where('id', 'in', pageIds).execute() : [];
    const byId = new Map(rows.map((r) => [r.id, present(r as Row)]));
    return { items: pageIds.map((id) => byId.get(id)).filter((a): a is KbArticle => a !== undefined), total: Math.min(ids.length, cap), capped };
  }

  /**
   * Articles agents see today that the ticket's normalised text mentions (one of their suggestion terms is among
   * its substrings, through the GIN index of suggest_terms), the most used first, at most `max`: the candidates the
   * domain ranks (rankKbSuggestions).
   */
  async suggestionCandidates(text: string, today: string, max: number): Promise<KbSuggestionCandidate[]> {
    const said = kbTextSubstrings(text);
    if (!said.length) return [];
    const columns = ['id', 'category', 'department_id', 'keywords', 'use_count'] as const;
    const rows = await this.db.transaction().execute(async (tx) => {
      // As for search: PostgreSQL prices the array overlap per row far too low and would check every article's
      // terms in a sequential scan (100–170 ms at 20,000 articles) rather than read the index (5 ms).
      await sql`SET LOCAL enable_seqscan = off`.execute(tx);
      const mentioned = await tx
        .selectFrom('kb_articles')
        .select(columns)
        .where('suggest_terms', '&&', sql<string[]>`${said}::text[]`)
        .where(visibleOn(today))
        .orderBy('use_count', 'desc')
        .orderBy('id', 'desc')
        .limit(max)
        .execute();
      const unfilled = await tx.selectFrom('kb_articles').select(columns).where('suggest_terms', 'is', null).where(visibleOn(today)).limit(max).execute();
      return [...mentioned, ...unfilled];
    });
    return rows
      .sort((a, b) => b.use_count - a.use_count || (b.id.length - a.id.length) || (b.id > a.id ? 1 : b.id < a.id ? -1 : 0))
      .slice(0, max)
      .map((r) => ({ id: r.id, category: r.category, departmentId: r.department_id, keywords: r.keywords, useCount: r.use_count }));
  }

  /** Fills the suggestion terms of articles written before they were kept (migrations/0970); returns how many. */
  async backfillSuggestTerms(): Promise<number> {
    let filled = 0;
    for (;;) {
      const rows = await this.db.selectFrom('kb_articles').select(['id', 'keywords', 'category']).where('suggest_terms', 'is', null).limit(500).execute();
      if (!rows.length) return filled;
      for (const r of rows) await this.db.updateTable('kb_articles').set({ suggest_terms: kbSuggestTerms(r) }).where('id', '=', r.id).execute();
      filled += rows.length;
    }
  }

  /** Articles by id as agents may read them today (published, valid), in the order asked. */
  async visibleByIds(ids: readonly string[], today: string): Promise<KbArticle[]> {
    if (!ids.length) return [];
    const rows = await this.articles().where('id', 'in', [...ids]).where(visibleOn(today)).execute();
    const byId = new Map(rows.map((r) => [r.id, present(r as Row)]));
    return ids.map((id) => byId.get(id)).filter((a): a is KbArticle => a !== undefined);
  }

  /**
   * An agent marked the article as what answered a call: counted once per call. Only an article agents may see today
   * can be marked (CTI_ERR_NOT_FOUND otherwise, as for one that does not exist). Returns whether it was counted now.
   */
  async markUsed(id: string, use: { agentId: string | null; callId: string | null; ticketId: string | null }, today: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const visible = await tx
        .selectFrom('kb_articles')
        .select('id')
        .where('id', '=', id)
        .where(visibleOn(today))
        .executeTakeFirst();
      if (!visible) throw new CtiError('CTI_ERR_NOT_FOUND', `no published article ${id}`, { id });
      const inserted = await tx
        .insertInto('kb_article_uses')
        .values({ article_id: id, agent_id: use.agentId, call_id: use.callId, ticket_id: use.ticketId })
        .onConflict((oc) => oc.columns(['article_id', 'call_id']).where('call_id', 'is not', null).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) return false;
      await tx.updateTable('kb_articles').set((eb) => ({ use_count: eb('use_count', '+', 1) })).where('id', '=', id).execute();
      return true;
    });
  }

  /**
   * What the editors should look at: published articles past their validity window (expired: hidden from agents),
   * and published articles nobody has marked as used since `unusedSince`, oldest first.
   */
  async reviewList(today: string, unusedSince: Date, limit: number): Promise<{ expired: KbArticle[]; unused: KbArticle[] }> {
    const expired = await this.articles().where('status', '=', 'published').where('valid_until', '<', today).orderBy('kb_articles.valid_until').limit(limit).execute();
    const unused = await this.articles()
      .where('status', '=', 'published')
      .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>=', today)]))
      .where('published_at', '<', unusedSince)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('kb_article_uses as u').select('u.id').whereRef('u.article_id', '=', 'kb_articles.id').where('u.used_at', '>=', unusedSince))))
      .orderBy('published_at')
      .limit(limit)
      .execute();
    return { expired: expired.map((r) => present(r as Row)), unused: unused.map((r) => present(r as Row)) };
  }

  /** The articles that answered calls between two times, most used first: which articles carry the direct answers. */
  async usage(from: Date, to: Date, limit: number): Promise<Array<{ id: string; title: string; category: string; uses: number; agents: number }>> {
    const rows = await this.db
      .selectFrom('kb_article_uses as u')
      .innerJoin('kb_articles as a', 'a.id', 'u.article_id')
      .select(['a.id', 'a.title', 'a.category', sql<string>`count(*)`.as('uses'), sql<string>`count(distinct u.agent_id)`.as('agents')])
      .where('u.used_at', '>=', from)
      .where('u.used_at', '<', to)
      .groupBy(['a.id', 'a.title', 'a.category'])
      .orderBy(sql`count(*)`, 'desc')
      .orderBy('a.id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, title: r.title, category: r.category, uses: Number(r.uses), agents: Number(r.agents) }));
  }

  private async locked(tx: Kysely<Database>, id: string): Promise<KbArticle> {
    const row = await this.articles(tx).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw new CtiError('CTI_ERR_NOT_FOUND', `no article ${id}`, { id });
    return present(row as Row);
  }
}

/** What agents see on `today` (the SQL of the domain's kbVisibleToAgents): published and inside the validity window. */
function visibleOn(today: string) {
  return (eb: ExpressionBuilder<Database, 'kb_articles'>) =>
    eb.and([
      eb('status', '=', 'published'),
      eb.or([eb('valid_from', 'is', null), eb('valid_from', '<=', today)]),
      eb.or([eb('valid_until', 'is', null), eb('valid_until', '>=', today)]),
    ]);
}

function pick(a: KbArticle): KbArticleInput {
  return { title: a.title, body: a.body, category: a.category, departmentId: a.departmentId, region: a.region, keywords: a.keywords, validFrom: a.validFrom, validUntil: a.validUntil };
}
