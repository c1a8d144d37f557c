import { beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type { Database } from './db.schema.js';
import { kbQuery } from '@cti/domain';
import { DepartmentRepository } from './department.repository.js';
import { KnowledgeBaseRepository, type KbArticleInput } from './kb.repository.js';
import { useTestSchema } from './test-schema.fixtures.test.js';

const testSchema = useTestSchema('it_kb', 4);
let kb: KnowledgeBaseRepository;
const today = '2026-12-06';

const article = (over: Partial<KbArticleInput>): KbArticleInput => ({
  title: '康定城区计划停水通知',
  body: '因供水管网改造，12月8日8:00至18:00康定城区部分区域停水，请市民提前储水。',
  category: 'utilities',
  departmentId: 'water',
  region: '康定市',
  keywords: ['停水', '供水'],
  validFrom: null,
  validUntil: null,
  ...over,
});

/** A published article: written by lead1, approved by mgr1. */
async function published(over: Partial<KbArticleInput>): Promise<string> {
  const a = await kb.create(article(over), 'lead1');
  await kb.transition(a.id, 'submit', 'lead1', null);
  await kb.transition(a.id, 'approve', 'mgr1', null);
  return a.id;
}

const search = async (q: string | undefined, scope: Parameters<KnowledgeBaseRepository['search']>[0]['scope'] = { kind: 'agents', today }) =>
  (await kb.search({ ...(q !== undefined && { query: kbQuery(q) }), scope, limit: 20, offset: 0 })).items.map((a) => a.title);

beforeAll(async () => {
  await new DepartmentRepository(testSchema.db()).create({ id: 'water', name: '康定市自来水公司', phone: null });
  kb = new KnowledgeBaseRepository(testSchema.db());
});

describe('KnowledgeBaseRepository on PostgreSQL', () => {
  it('keeps a draft from agents until a second person approves it, and records every step with who', async () => {
    const a = await kb.create(article({ title: '停水期间送水服务' }), 'lead1');
    expect(a).toMatchObject({ status: 'draft', version: 1, createdBy: 'lead1', editedBy: 'lead1', useCount: 0, departmentId: 'water', keywords: ['停水', '供水'] });
    expect(await search('送水')).toEqual([]);
    await kb.transition(a.id, 'submit', 'lead1', null);
    await expect(kb.transition(a.id, 'approve', 'lead1', null)).rejects.toMatchObject({ code: 'CTI_ERR_FORBIDDEN' });
    const p = await kb.transition(a.id, 'approve', 'mgr1', '核实无误');
    expect(p).toMatchObject({ status: 'published', publishedBy: 'mgr1' });
    expect(await search('送水')).toEqual(['停水期间送水服务']);
    const history = await kb.history(a.id);
    expect(history?.map((h) => [h.action, h.status, h.actor, h.note])).toEqual([
      ['create', 'draft', 'lead1', null],
      ['submit', 'review', 'lead1', null],
      ['approve', 'published', 'mgr1', '核实无误'],
    ]);
    expect(history?.[0]?.content).toMatchObject({ title: '停水期间送水服务' });
  });

  it('finds a two-character query anywhere in title, keywords or body, title matches first, then the most used', async () => {
    const body = await published({ title: '城区供水管网检修安排', body: '检修期间部分小区临时停水。', keywords: [] });
    const title = await published({ title: '停水应急预案', body: '启动应急送水。', keywords: [] });
    await kb.markUsed(body, { agentId: 'a01', callId: 'c-1', ticketId: null }, today);
    const titles = await search('停水');
    expect(titles.indexOf('停水应急预案')).toBeLessThan(titles.indexOf('城区供水管网检修安排'));
    expect(titles).toContain('城区供水管网检修安排');
    expect(title).toBeDefined();
    // Full-width, case and punctuation are folded on both sides; separated words must all be there.
    await published({ title: '社保卡补办流程（ＡＰＰ）', body: '携带身份证到社保局窗口办理。', category: 'social', departmentId: null, keywords: ['社保'] });
    expect(await search('app')).toEqual(['社保卡补办流程（ＡＰＰ）']);
    expect(await search('社保 身份证')).toEqual(['社保卡补办流程（ＡＰＰ）']);
    expect(await search('社保 停水')).toEqual([]);
    // Never across punctuation: "补办流程（APP" has no "程a".
    expect(await search('程app')).toEqual([]);
  });

  it('hides expired and not-yet-valid articles from agents but keeps them, and lists the expired for review', async () => {
    const old = await published({ title: '2025年冬季供暖缴费', body: '缴费截至2025年12月31日。', validUntil: '2025-12-31' });
    await published({ title: '2027年春节值班安排', body: '春节期间值班电话。', validFrom: '2027-01-20' });
    expect(await search('缴费')).toEqual([]);
    expect(await search('值班')).toEqual([]);
    expect(await search('缴费', { kind: 'all' })).toEqual(['2025年冬季供暖缴费']);
    const review = await kb.reviewList(today, new Date('2020-01-01T00:00:00Z'), 50);
    expect(review.expired.map((a) => a.id)).toEqual([old]);
    await expect(kb.markUsed(old, { agentId: 'a01', callId: 'c-9', ticketId: null }, today)).rejects.toMatchObject({ code: 'CTI_ERR_NOT_FOUND' });
  });

  it('saves a new version only from the version the editor started from, and sends an article in review back to draft', async () => {
    const a = await kb.create(article({ title: '燃气开户须知' }), 'lead1');
    const v2 = await kb.update(a.id, { body: '开户需携带房产证和身份证。' }, 'lead2', 1);
    expect(v2).toMatchObject({ version: 2, editedBy: 'lead2', status: 'draft', body: '开户需携带房产证和身份证。', title: '燃气开户须知' });
    await expect(kb.update(a.id, { title: '旧稿' }, 'lead1', 1)).rejects.toMatchObject({ code: 'CTI_ERR_CONFLICT', details: { version: 2, editedBy: 'lead2' } });
    await kb.transition(a.id, 'submit', 'lead2', null);
    expect(await kb.update(a.id, { keywords: ['燃气', '开户'] }, 'lead1', 2)).toMatchObject({ status: 'draft', version: 3 });
    // The search columns follow the text: the new keyword is found, the old body is not.
    await kb.transition(a.id, 'submit', 'lead1', null);
    await kb.transition(a.id, 'approve', 'mgr1', null);
    expect(await search('开户')).toEqual(['燃气开户须知']);
    expect(await search('房产证')).toEqual(['燃气开户须知']);
    await expect(kb.update(a.id, { validFrom: '2026-12-31', validUntil: '2026-12-01' }, 'lead1', 3)).rejects.toMatchObject({ code: 'CTI_ERR_VALIDATION' });
    await kb.transition(a.id, 'withdraw', 'mgr1', '政策调整');
    expect(await search('开户')).toEqual([]);
    await expect(kb.update(a.id, { title: 'x' }, 'lead1', 3)).rejects.toMatchObject({ code: 'CTI_ERR_INVALID_STATE' });
  });

  it('counts a use once per call and reports which articles answered calls', async () => {
    const id = await published({ title: '公积金提取条件', body: '购房、租房可提取住房公积金。', category: 'housing', departmentId: null, keywords: [] });
    expect(await kb.markUsed(id, { agentId: 'a01', callId: 'c-100', ticketId: null }, today)).toBe(true);
    expect(await kb.markUsed(id, { agentId: 'a01', callId: 'c-100', ticketId: null }, today)).toBe(false);
    expect(await kb.markUsed(id, { agentId: 'a02', callId: 'c-101', ticketId: '7' }, today)).toBe(true);
    expect((await kb.find(id))?.useCount).toBe(2);
    const usage = await kb.usage(new Date(Date.now() - 60_000), new Date(Date.now() + 60_000), 10);
    expect(usage[0]).toEqual({ id, title: '公积金提取条件', category: 'housing', uses: 2, agents: 2 });
  });

  it('answers a query from the bigram index, not by reading every article', async () => {
    const plan = await testSchema
      .db()
      .transaction()
      .execute(async (tx) => {
        await sqlRaw(tx, 'SET LOCAL enable_seqscan = off');
        return sqlRaw(tx, `EXPLAIN SELECT id FROM kb_articles WHERE grams @> ARRAY['停水']::text[]`);
      });
    expect(plan).toMatch(/kb_articles_grams_idx/);
  });
});

describe('knowledge-base suggestions for a ticket on PostgreSQL', () => {
  it('offers the visible articles whose keywords or category the ticket mentions, ranked by the domain', async () => {
    const { kbSuggestionText, rankKbSuggestions } = await import('@cti/domain');
    const water = await published({ title: '停水报修渠道（建议）', keywords: ['停水', '报修'], category: '供水' });
    const card = await published({ title: '社保卡补办（建议）', keywords: ['社保卡', '补办'], category: '社保', departmentId: null });
    await published({ title: '公积金提取（建议）', keywords: ['公积金'], category: '住房', departmentId: null });
    const expired = await published({ title: '过期的停水通知（建议）', keywords: ['停水'], validUntil: '2026-12-01' });
    const draft = await kb.create(article({ title: '草稿停水（建议）', keywords: ['停水'] }), 'lead1');
    const text = kbSuggestionText(['家里停水三天了', '来电人称小区停水，要求报修；另问社保卡丢了怎么补办']);
    const candidates = await kb.suggestionCandidates(text, today, 200);
    const ids = candidates.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining([water, card]));
    expect(ids).not.toContain(expired);
    expect(ids).not.toContain(draft.id);
    const ranked = rankKbSuggestions(candidates, { text, departmentId: 'water' }, 5);
    // 停水 + 报修 + the water company (2 + 2 + 2) ties 社保卡 + 补办 + 社保 named (3 + 2 + 1): the newer article first.
    expect(ranked.slice(0, 2)).toEqual([
      { id: card, score: 6, matched: ['社保卡', '补办'], categoryMentioned: true, sameDepartment: false },
      { id: water, score: 6, matched: ['停水', '报修'], categoryMentioned: false, sameDepartment: true },
    ]);
    expect((await kb.visibleByIds([card, expired, water], today)).map((a) => a.id)).toEqual([card, water]);
    // Full-width and upper-case keywords are found as the domain folds them.
    const etc = await published({ title: 'ETC扣费（建议）', keywords: ['ＥＴＣ'], category: '交通', departmentId: null });
    expect((await kb.suggestionCandidates(kbSuggestionText(['高速etc扣了两次费']), today, 200)).map((c) => c.id)).toContain(etc);
    expect(await kb.suggestionCandidates('', today, 200)).toEqual([]);
    // An article from before the terms were kept is a candidate until they are filled, and found by them after.
    await testSchema.db().updateTable('kb_articles').set({ suggest_terms: sql<string[]>`NULL` as never }).where('id', '=', etc).execute();
    expect((await kb.suggestionCandidates(kbSuggestionText(['路灯不亮']), today, 200)).map((c) => c.id)).toEqual([etc]);
    expect(await kb.backfillSuggestTerms()).toBe(1);
    expect((await kb.suggestionCandidates(kbSuggestionText(['路灯不亮']), today, 200))).toEqual([]);
    expect((await kb.suggestionCandidates(kbSuggestionText(['ETC扣费']), today, 200)).map((c) => c.id)).toContain(etc);
  });
});

async function sqlRaw(db: Kysely<Database>, text: string): Promise<string> {
  const r = await sql.raw<{ 'QUERY PLAN': string }>(text).execute(db);
  return r.rows.map((row) => row['QUERY PLAN']).join('\n');
}
