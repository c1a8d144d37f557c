import { describe, expect, it } from 'vitest';
import { KB_SUGGEST_TERM_MAX_CHARS, KB_SUGGEST_TEXT_CHARS, kbSuggestTerms, kbSuggestionText, kbTextSubstrings, rankKbSuggestions, type KbSuggestionCandidate } from './kb.suggest.js';

const article = (id: string, category: string, keywords: string[], useCount = 0, departmentId: string | null = null): KbSuggestionCandidate => ({ id, category, keywords, useCount, departmentId });

describe('knowledge-base suggestions from the ticket in hand', () => {
  const articles = [
    article('1', '供水', ['停水', '供水'], 3, 'water'),
    article('2', '社保', ['社保卡', '补办'], 10),
    article('3', '社保', ['社保'], 50),
    article('4', '住房', ['公积金', '提取'], 99),
    article('5', '交通', ['ＥＴＣ'], 0),
  ];

  it('suggests the articles whose keywords the ticket mentions, longer keywords first', () => {
    const text = kbSuggestionText(['社保卡丢了', '来电人称社保卡遗失，询问补办需要什么材料', null]);
    const r = rankKbSuggestions(articles, { text }, 10);
    // 社保卡 (3) + 补办 (2) = 5 and the category 社保 named (+1): ahead of the article keyed 社保 (2 + 1) though it is used more.
    expect(r.map((s) => s.id)).toEqual(['2', '3']);
    expect(r[0]).toMatchObject({ score: 6, matched: ['社保卡', '补办'], categoryMentioned: true });
  });

  it('adds the suggested department on top of a mention, never alone, and breaks ties by use', () => {
    const text = kbSuggestionText(['小区停水三天']);
    expect(rankKbSuggestions(articles, { text, departmentId: 'water' }, 10)).toEqual([{ id: '1', score: 4, matched: ['停水'], categoryMentioned: false, sameDepartment: true }]);
    expect(rankKbSuggestions(articles, { text: kbSuggestionText(['路灯不亮']), departmentId: 'water' }, 10)).toEqual([]);
    const tie = [article('7', '其他', ['停水'], 1), article('8', '其他', ['停水'], 5), article('9', '其他', ['停水'], 5)];
    expect(rankKbSuggestions(tie, { text }, 10).map((s) => s.id)).toEqual(['9', '8', '7']);
  });

  it('matches full-width and upper-case text as the search does, ignores one-character keywords, and caps the text', () => {
    expect(rankKbSuggestions(articles, { text: kbSuggestionText(['高速etc扣费两次']) }, 10).map((s) => s.id)).toEqual(['5']);
    expect(rankKbSuggestions([article('6', '其他', ['水'])], { text: kbSuggestionText(['没有水']) }, 10)).toEqual([]);
    expect([...kbSuggestionText(['停'.repeat(KB_SUGGEST_TEXT_CHARS + 50)])]).toHaveLength(KB_SUGGEST_TEXT_CHARS);
    expect(rankKbSuggestions(articles, { text: kbSuggestionText(['停水 社保卡 公积金']) }, 2)).toHaveLength(2);
  });
});

describe('suggestion terms and the ticket text’s substrings (what the index looks up)', () => {
  it('keeps the runs of two to twelve characters of keywords and category, folded like the search text', () => {
    expect(kbSuggestTerms({ keywords: ['社保卡', 'ＥＴＣ', '水', '停水、停电', '一二三四五六七八九十一二三'], category: '供水' })).toEqual(['社保卡', 'etc', '停水', '停电', '供水']);
    expect(KB_SUGGEST_TERM_MAX_CHARS).toBe(12);
  });

  it('an article is mentioned exactly when one of its terms is among the text’s substrings (a brute-force check)', () => {
    const text = kbSuggestionText(['炉城镇停水三天，社保卡也丢了']);
    const subs = new Set(kbTextSubstrings(text));
    for (const term of ['停水', '社保卡', '炉城镇停水三天', '保卡']) expect(subs.has(term)).toBe(true);
    // Never across a separator: "三天，社保" is two runs.
    expect(subs.has('天社')).toBe(false);
    const words = ['停水', '三天', '水三', '社保卡丢', '丢了', '卡也', '城镇', '停电', '社会', '天社'];
    for (const w of words) expect(subs.has(w)).toBe(text.split(' ').some((run) => run.includes(w)));
  });
});

