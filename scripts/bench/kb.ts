/**
 * Knowledge-base search benchmark: BENCH_ARTICLES (20,000) published articles of generated hotline Chinese (a seeded
 * generator: services, places of Ganzi, dates, phone numbers; nothing downloaded) in a schema of their own on this
 * machine's PostgreSQL, then BENCH_QUERIES (200) queries of 2–6 characters the way agents type them (terms cut from
 * articles, service words, and some that match nothing), each through KnowledgeBaseRepository.search with limit 10.
 * recall@10 compares the top 10 with a brute-force substring scan of the same normalised texts in memory. Then
 * BENCH_SUGGEST_TICKETS (50) generated tickets ask for suggestions (the articles their text mentions the keywords of).
 * A run whose 1-minute load average exceeded the cores is printed as invalid. Run: npm run bench:kb.
 * The last line printed is one JSON object with the figures.
 */
import { cpus, loadavg } from 'node:os';
import { sql } from 'kysely';
import { KB_COUNT_CAP, createDb, migrate, KnowledgeBaseRepository } from '@cti/db';
import { createSeededRandom, kbGrams, kbQuery, kbSuggestTerms, kbSearchText, kbSuggestionText, normalizeKbText, rankKbSuggestions } from '@cti/domain';
import { dropSchema, log, root } from './stack.js';
import { atFloorIndex } from './stats.js';

const DATABASE_URL = process.env.CTI_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ARTICLES = Number(process.env.BENCH_ARTICLES ?? 20_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const TODAY = '2026-12-06';
/** Tickets whose suggestions are timed. */
const SUGGEST_TICKETS = Number(process.env.BENCH_SUGGEST_TICKETS ?? 50);

/** The domain's seeded source: the same articles and queries in every run. */
const random = createSeededRandom(12345);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

const COUNTIES = ['康定', '泸定', '丹巴', '九龙', '雅江', '道孚', '炉霍', '甘孜', '新龙', '德格', '白玉', '石渠', '色达', '理塘', '巴塘', '乡城', '稻城', '得荣'];
const SERVICES: Array<{ category: string; terms: string[] }> = [
  { category: '供水', terms: ['停水', '供水', '水费', '水质', '管网改造', '自来水'] },
  { category: '供电', terms: ['停电', '电费', '供电线路', '电表', '抢修'] },
  { category: '燃气', terms: ['燃气', '天然气', '开户', '燃气表', '泄漏'] },
  { category: '供暖', terms: ['供暖', '暖气', '采暖费', '室温'] },
  { category: '社保', terms: ['社保', '社保卡', '养老保险', '医保', '参保', '缴费基数'] },
  { category: '住房', terms: ['公积金', '提取', '贷款', '租房', '物业'] },
  { category: '户籍', terms: ['户口', '身份证', '迁移', '落户', '居住证'] },
  { category: '交通', terms: ['道路', '公交', '客运', '违章', '交通管制', '驾驶证'] },
  { category: '教育', terms: ['入学', '学籍', '助学金', '转学', '幼儿园'] },
  { category: '民政', terms: ['低保', '救助', '婚姻登记', '残疾人补贴', '养老服务'] },
  { category: '城管', terms: ['垃圾清运', '噪音', '占道经营', '违章建筑', '路灯'] },
  { category: '旅游', terms: ['景区', '门票', '导游', '投诉', '退票'] },
];
const VERBS = ['办理', '咨询', '申请', '查询', '变更', '补办', '缴纳', '报修', '投诉', '反映'];
const FILLER = ['市民', '群众', '窗口', '工作日', '上午', '下午', '材料', '原件', '复印件', '网上', '小程序', '热线', '工作人员', '相关部门', '按照规定', '及时', '予以', '受理'];

function sentence(s: (typeof SERVICES)[number], county: string): string {
  const parts = [`${county}${pick(['县', '市', '城区', '乡镇'])}`, pick(s.terms), pick(VERBS), pick(FILLER), pick(FILLER), pick(s.terms)];
  if (random() < 0.4) parts.push(`${int(1, 12)}月${int(1, 28)}日${int(8, 17)}:00`);
  if (random() < 0.3) parts.push(`电话0836-${int(2000000, 2999999)}`);
  return `${parts.join('')}${pick(['。', '，', '；'])}`;
}

function article(i: number): { title: string; body: string; category: string; keywords: string[]; region: string } {
  const s = pick(SERVICES);
  const county = pick(COUNTIES);
  const body = Array.from({ length: int(6, 16) }, () => sentence(s, county)).join('');
  return { title: `${county}${pick(s.terms)}${pick(VERBS)}指南（第${i}号）`, body, category: s.category, keywords: [pick(s.terms), pick(s.terms)], region: county };
}

async function main(): Promise<void> {
  const schema = `bench_kb_${Date.now()}`;
  await migrate(DATABASE_URL, schema, `${root}migrations`);
  const db = createDb(DATABASE_URL, schema, 4);
  const kb = new KnowledgeBaseRepository(db);
  try {
    log(`generating and storing ${ARTICLES} articles`);
    const texts: string[] = [];
    const ids: string[] = [];
    for (let start = 0; start < ARTICLES; start += 500) {
      const batch = Array.from({ length: Math.min(500, ARTICLES - start) }, (_, k) => article(start + k));
      const rows = await db
        .insertInto('kb_articles')
        .values(
          batch.map((a) => {
            const search_text = kbSearchText(a);
            texts.push(search_text);
            return { ...a, department_id: null, valid_from: null, valid_until: null, status: 'published' as const, title_text: normalizeKbText(a.title), search_text, grams: kbGrams(search_text), suggest_terms: kbSuggestTerms(a), use_count: int(0, 50), created_by: 'bench', edited_by: 'bench', published_by: 'bench', published_at: new Date() };
          }),
        )
        .returning('id')
        .execute();
      ids.push(...rows.map((r) => r.id));
    }
    // VACUUM as autovacuum would after a bulk load: it also merges the gram index's pending list.
    await sql`VACUUM ANALYZE kb_articles`.execute(db);
    const size = await sql<{ table: string; index: string }>`SELECT pg_size_pretty(pg_table_size('kb_articles')) AS table, pg_size_pretty(pg_relation_size('kb_articles_grams_idx')) AS index`.execute(db);
    log(`stored: table ${size.rows[0]?.table}, gram index ${size.rows[0]?.index}`);

    // Queries as agents type them: 2–6 characters cut from an article (most), a service word, or nothing that exists.
    const queries: string[] = [];
    while (queries.length < QUERIES) {
      const r = random();
      let q: string;
      if (r < 0.6) {
        const runs = pick(texts).split(' ').filter((run) => [...run].length >= 6);
        const chars = [...pick(runs)];
        const len = int(2, 6);
        const from = int(0, chars.length - len);
        q = chars.slice(from, from + len).join('');
      } else if (r < 0.9) {
        q = pick(pick(SERVICES).terms);
      } else {
        q = pick(['量子计算', '火星移民', '潜水艇', '冰淇淋店']);
      }
      queries.push(q);
    }

    const latencies: number[] = [];
    const perQuery: Array<{ q: string; ms: number; matches: number }> = [];
    let recallSum = 0;
    let matchedSum = 0;
    let countMismatches = 0;
    const loadBefore = loadavg()[0] ?? 0;
    for (const [n, q] of queries.entries()) {
      const query = kbQuery(q);
      const t0 = performance.now();
      const found = await kb.search({ query, scope: { kind: 'agents', today: TODAY }, limit: 10, offset: 0 });
      latencies.push(performance.now() - t0);
      // Brute force: every article whose normalised text holds every run of the query.
      const runs = query.text.split(' ');
      const truth = new Set(ids.filter((_, i) => runs.every((run) => (texts[i] as string).includes(run))));
      matchedSum += truth.size;
      perQuery.push({ q, ms: latencies[latencies.length - 1] as number, matches: truth.size });
      if (found.total !== Math.min(truth.size, KB_COUNT_CAP) || found.capped !== truth.size > KB_COUNT_CAP) {
        countMismatches++;
        log(`query ${n} "${q}": total ${found.total}${found.capped ? '+' : ''}, brute force ${truth.size}`);
      }
      const expected = Math.min(10, truth.size);
      recallSum += expected === 0 ? 1 : found.items.filter((a) => truth.has(a.id)).length / expected;
    }
    // Suggestions for the ticket in hand: a ticket of two generated sentences about one service, ranked over the
    // articles whose keywords or category it mentions (KnowledgeBaseRepository.suggestionCandidates + rankKbSuggestions).
    const suggestMs: number[] = [];
    let suggested = 0;
    for (let n = 0; n < SUGGEST_TICKETS; n++) {
      const s = pick(SERVICES);
      const county = pick(COUNTIES);
      const text = kbSuggestionText([sentence(s, county), sentence(s, county)]);
      const t0 = performance.now();
      const ranked = rankKbSuggestions(await kb.suggestionCandidates(text, TODAY, 200), { text }, 5);
      suggestMs.push(performance.now() - t0);
      if (ranked.length) suggested++;
    }
    const loadAfter = loadavg()[0] ?? 0;
    const sortedSuggest = [...suggestMs].sort((a, b) => a - b);
    const sorted = [...latencies].sort((a, b) => a - b);
    const p = (q: number) => Math.round(atFloorIndex(sorted, q) * 100) / 100;
    const load = Math.max(loadBefore, loadAfter);
    const valid = load <= cpus().length;
    const result = {
      articles: ARTICLES,
      queries: QUERIES,
      p50_ms: p(0.5),
      p95_ms: p(0.95),
      recall_at_10: Math.round((recallSum / QUERIES) * 1000) / 1000,
      max_ms: p(1),
      mean_matches: Math.round(matchedSum / QUERIES),
      count_mismatches: countMismatches,
      suggest_tickets: SUGGEST_TICKETS,
      suggest_p50_ms: Math.round(atFloorIndex(sortedSuggest, 0.5) * 100) / 100,
      suggest_p95_ms: Math.round(atFloorIndex(sortedSuggest, 0.95) * 100) / 100,
      suggest_with_results: suggested,
      loadavg: Math.round(load * 100) / 100,
      valid,
    };
    log(`search p50 ${result.p50_ms} ms, p95 ${result.p95_ms} ms, max ${result.max_ms} ms; recall@10 ${result.recall_at_10}; ${result.mean_matches} matching articles per query on average; 1-min load ${result.loadavg} on ${cpus().length} cores${valid ? '' : ' — INVALID: the load exceeded the cores'}`);
    const slowest = [...perQuery].sort((a, b) => b.ms - a.ms).slice(0, 5);
    log(`suggestions for ${SUGGEST_TICKETS} tickets: p50 ${result.suggest_p50_ms} ms, p95 ${result.suggest_p95_ms} ms; ${suggested} with suggestions`);
    log(`slowest: ${slowest.map((x) => `"${x.q}" ${x.ms.toFixed(1)} ms (${x.matches} matches)`).join(', ')}`);
    console.log(JSON.stringify(result));
  } finally {
    await db.destroy();
    if (process.env.BENCH_KEEP_SCHEMA === '1') log(`schema ${schema} kept (BENCH_KEEP_SCHEMA=1)`);
    else await dropSchema(DATABASE_URL, schema);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
