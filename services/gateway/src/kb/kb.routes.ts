import { z } from 'zod';
import { CtiError, KB_ACTIONS, KB_EDITOR_ROLES, KB_STATUSES, OVERSIGHT_ROLES, SEAT_ROLES, STAFF_ROLES, beijingDate, inRoleGroup, kbQuery, kbSuggestionText, kbVisibleToAgents, rankKbSuggestions } from '@cti/domain';
import type { KnowledgeBaseRepository, KbArticle } from '@cti/db';
import type { RouteRegistry } from '../http/route.registry.js';
import { calendarDay, pageLimit, pageOffset } from '../http/input.rules.js';

/** Knowledge-base storage (KnowledgeBaseRepository fits). */
export type KnowledgeBase = Pick<KnowledgeBaseRepository, 'create' | 'find' | 'update' | 'transition' | 'history' | 'search' | 'markUsed' | 'reviewList' | 'usage' | 'suggestionCandidates' | 'visibleByIds'>;

/** What the routes need besides storage: the time, and the call an agent is on (a use is counted for that call). */
export interface KbRouteDeps {
  now: () => number;
  liveCallIdOf: (agentId: string) => string | undefined;
}

/** Unused this long, a published article is listed for review. */
const UNUSED_REVIEW_DAYS = 90;
const DAY_MS = 86_400_000;
/** Articles read for ranking suggestions: the most used of those the ticket mentions. */
const SUGGESTION_CANDIDATES = 200;

const id = z.string().regex(/^[1-9][0-9]{0,17}$/, 'article id: digits');
const text = (max: number) => z.string().trim().min(1).max(max);
const fields = {
  title: text(200),
  // Plain text; a blank line starts a paragraph and "- " a list item. Pages show it as text, never as HTML.
  body: text(20_000),
  category: text(40),
  departmentId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'department id').nullable(),
  region: text(40).nullable(),
  keywords: z.array(text(20)).max(20),
  validFrom: calendarDay.nullable(),
  validUntil: calendarDay.nullable(),
};
const input = z.object(fields).strict();

const actor = (p: { label: string }) => p.label;

/**
 * The knowledge base (知识库): every staff member searches what agents may answer from (published, inside its
 * validity window); shift leads and managers write, review and publish (a second person approves), and see drafts,
 * history, articles to review and which articles answered calls. Agents mark the article that answered a call.
 */
export function registerKbRoutes(routes: RouteRegistry, kb: KnowledgeBase, deps: KbRouteDeps): void {
  const today = () => beijingDate(deps.now());
  const isEditor = (role: string) => inRoleGroup(KB_EDITOR_ROLES, role);
  /** An article the principal may read: editors read any, everyone else only what agents see today. */
  const readable = (a: KbArticle | undefined, role: string, articleId: string): KbArticle => {
    const visible = a && (isEditor(role) || kbVisibleToAgents(a, today()));
    if (!visible) throw new CtiError('CTI_ERR_NOT_FOUND', `no article ${articleId}`, { id: articleId });
    return a;
  };

  routes.add({
    method: 'GET',
    url: '/api/v1/kb/articles',
    summary: 'Search the knowledge base (substring, 2–40 characters): title matches first, then the most used; total counted up to 1000 (totalCapped beyond); editors may ask for any status',
    roles: STAFF_ROLES,
    query: z.object({
      q: z.string().max(200).optional(),
      category: text(40).optional(),
      status: z.enum([...KB_STATUSES, 'visible']).default('visible'),
      limit: pageLimit(100, 20),
      offset: pageOffset(),
    }),
    handler: async ({ query, principal }) => {
      if (query.status !== 'visible' && !isEditor(principal.role)) throw new CtiError('CTI_ERR_FORBIDDEN', 'only knowledge-base editors list articles by status', { status: query.status });
      const q = query.q === undefined || query.q.trim() === '' ? undefined : kbQuery(query.q);
      const scope = query.status === 'visible' ? { kind: 'agents' as const, today: today() } : { kind: 'all' as const, status: query.status };
      const found = await kb.search({ ...(q && { query: q }), ...(query.category !== undefined && { category: query.category }), scope, limit: query.limit, offset: query.offset });
      return { items: found.items, total: found.total, totalCapped: found.capped, limit: query.limit, offset: query.offset };
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/kb/suggestions',
    summary: "Articles for the ticket in hand: those whose keywords (or category) its summary, content or address mention, ranked by the keywords' length, the suggested department and use (docs/domain.md §13)",
    roles: STAFF_ROLES,
    body: z
      .object({
        summary: z.string().max(500).optional(),
        content: z.string().max(10_000).optional(),
        address: z.string().max(500).optional(),
        departmentId: fields.departmentId.optional(),
        limit: z.number().int().min(1).max(20).default(5),
      })
      .strict(),
    handler: async ({ body }) => {
      const ticketText = kbSuggestionText([body.summary, body.content, body.address]);
      const ranked = rankKbSuggestions(await kb.suggestionCandidates(ticketText, today(), SUGGESTION_CANDIDATES), { text: ticketText, departmentId: body.departmentId ?? null }, body.limit);
      const articles = new Map((await kb.visibleByIds(ranked.map((r) => r.id), today())).map((a) => [a.id, a]));
      return { items: ranked.flatMap((r) => (articles.has(r.id) ? [{ article: articles.get(r.id)!, score: r.score, matched: r.matched, categoryMentioned: r.categoryMentioned, sameDepartment: r.sameDepartment }] : [])) };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/kb/articles/:id',
    summary: 'One article (404 for a non-editor when agents may not see it today)',
    roles: STAFF_ROLES,
    params: z.object({ id }),
    handler: async ({ params, principal }) => readable(await kb.find(params.id), principal.role, params.id),
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/kb/articles',
    summary: 'Write a new article (a draft)',
    roles: KB_EDITOR_ROLES,
    body: input,
    handler: async ({ body, principal, reply }) => {
      reply.status(201);
      return kb.create(body, actor(principal));
    },
  });

  routes.add({
    method: 'PATCH',
    url: '/api/v1/kb/articles/:id',
    summary: 'Save a new version of the text; `version` is the one the editor started from (409 when someone saved meanwhile)',
    roles: KB_EDITOR_ROLES,
    params: z.object({ id }),
    body: z
      .object({ version: z.number().int().min(1), ...input.partial().shape })
      .strict()
      .refine((b) => Object.keys(b).length > 1, 'give at least one field to change'),
    handler: async ({ params, body, principal }) => {
      const { version, ...patch } = body;
      return kb.update(params.id, patch, actor(principal), version);
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/kb/articles/:id/actions',
    summary: 'A workflow step: submit, approve (by someone other than the last editor), reject, withdraw, reopen',
    roles: KB_EDITOR_ROLES,
    params: z.object({ id }),
    body: z.object({ action: z.enum(KB_ACTIONS), note: text(500).optional() }).strict(),
    handler: async ({ params, body, principal }) => kb.transition(params.id, body.action, actor(principal), body.note ?? null),
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/kb/articles/:id/history',
    summary: 'Every version of the text and every workflow step, with who and when',
    roles: KB_EDITOR_ROLES,
    params: z.object({ id }),
    handler: async ({ params }) => {
      const items = await kb.history(params.id);
      if (!items) throw new CtiError('CTI_ERR_NOT_FOUND', `no article ${params.id}`, { id: params.id });
      return { items };
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/kb/articles/:id/uses',
    summary: 'Mark the article as what answered the call the agent is on (counted once per call)',
    roles: SEAT_ROLES,
    params: z.object({ id }),
    body: z.object({ ticketId: z.string().regex(/^[1-9][0-9]{0,17}$/, 'ticket id: digits').optional() }).strict(),
    handler: async ({ params, body, principal }) => {
      const callId = principal.agentId ? (deps.liveCallIdOf(principal.agentId) ?? null) : null;
      const counted = await kb.markUsed(params.id, { agentId: principal.agentId, callId, ticketId: body.ticketId ?? null }, today());
      return { counted, callId };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/kb/review',
    summary: `Articles to review: published ones past their validity, and ones nobody used in ${UNUSED_REVIEW_DAYS} days`,
    roles: OVERSIGHT_ROLES,
    query: z.object({ limit: pageLimit(500, 100) }),
    handler: async ({ query }) => kb.reviewList(today(), new Date(deps.now() - UNUSED_REVIEW_DAYS * DAY_MS), query.limit),
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/kb/usage',
    summary: 'Which articles answered calls between two Beijing days (inclusive, at most 366 days), most used first',
    roles: OVERSIGHT_ROLES,
    query: z.object({ from: calendarDay, to: calendarDay, limit: pageLimit(500, 50) }),
    handler: async ({ query }) => {
      const from = new Date(`${query.from}T00:00:00+08:00`);
      const to = new Date(new Date(`${query.to}T00:00:00+08:00`).getTime() + DAY_MS);
      const days = (to.getTime() - from.getTime()) / DAY_MS;
      if (days < 1 || days > 366) throw new CtiError('CTI_ERR_VALIDATION', 'from..to spans 1 to 366 days', { from: query.from, to: query.to });
      return { from: query.from, to: query.to, items: await kb.usage(from, to, query.limit) };
    },
  });
}
