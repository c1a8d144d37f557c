// Suggestions from the ticket in hand (知识库推荐): while the agent writes the matter down, the knowledge base offers
// the articles whose keywords the ticket's text mentions — "家里停水三天了" brings the article keyed 停水 — without the
// agent typing a search (docs/domain.md §13).
import { normalizeKbText } from './kb.text.js';

/** Longest ticket text read for suggestions (characters after normalising); the summary and the start of the content. */
export const KB_SUGGEST_TEXT_CHARS = 1000;
/** Longest keyword (a run of it) a ticket is matched on; a keyword is a word or two, not a sentence. */
export const KB_SUGGEST_TERM_MAX_CHARS = 12;

/** What a suggestion is ranked on: an article visible to agents with its keywords. */
export interface KbSuggestionCandidate {
  readonly id: string;
  readonly category: string;
  readonly departmentId: string | null;
  readonly keywords: readonly string[];
  readonly useCount: number;
}

/** A suggested article: why (the keywords the ticket mentions, its category named in it) and its score. */
export interface KbSuggestion {
  readonly id: string;
  readonly score: number;
  readonly matched: readonly string[];
  readonly categoryMentioned: boolean;
  readonly sameDepartment: boolean;
}

/** The ticket's text as suggestions read it: its parts normalised like the articles' and capped. */
export function kbSuggestionText(parts: ReadonlyArray<string | null | undefined>): string {
  const text = normalizeKbText(parts.filter((p): p is string => typeof p === 'string').join(' '));
  return [...text].slice(0, KB_SUGGEST_TEXT_CHARS).join('');
}

/** The runs of two to KB_SUGGEST_TERM_MAX_CHARS characters of some words, normalised, without repeats. */
function terms(words: readonly string[]): string[] {
  const out = new Set<string>();
  for (const w of words) {
    for (const run of normalizeKbText(w).split(' ')) {
      const n = [...run].length;
      if (n >= 2 && n <= KB_SUGGEST_TERM_MAX_CHARS) out.add(run);
    }
  }
  return [...out];
}

/** What a ticket can mention of an article: the runs of its keywords and of its category (stored and GIN-indexed). */
export function kbSuggestTerms(a: { keywords: readonly string[]; category: string }): string[] {
  return terms([...a.keywords, a.category]);
}

/**
 * Every substring of two to KB_SUGGEST_TERM_MAX_CHARS characters inside the runs of the ticket's normalised text: an
 * article is mentioned exactly when one of its terms is among them (the index looks them up with `&&`).
 */
export function kbTextSubstrings(text: string): string[] {
  const out = new Set<string>();
  for (const run of text.split(' ')) {
    const chars = [...run];
    for (let i = 0; i < chars.length; i++) {
      for (let n = 2; n <= KB_SUGGEST_TERM_MAX_CHARS && i + n <= chars.length; n++) out.add(chars.slice(i, i + n).join(''));
    }
  }
  return [...out];
}

/**
 * Ranks articles for a ticket. An article is suggested when the ticket mentions one of its keywords or its category
 * (a run of two to KB_SUGGEST_TERM_MAX_CHARS characters of it appears within a run of the ticket's text);
 * each keyword mentioned scores its length in characters (a longer keyword says more: 社保卡 over 社保), the category
 * named scores 1, and the ticket's suggested department handling the article's matter scores 2 — but only on top of a
 * mention, never alone. Ties: the most used, then the newest id.
 */
export function rankKbSuggestions(candidates: readonly KbSuggestionCandidate[], ticket: { text: string; departmentId?: string | null }, limit: number): KbSuggestion[] {
  const said = new Set(kbTextSubstrings(ticket.text));
  const out: KbSuggestion[] = [];
  const useCount = new Map(candidates.map((c) => [c.id, c.useCount]));
  for (const c of candidates) {
    const matched = terms(c.keywords).filter((k) => said.has(k));
    const categoryMentioned = terms([c.category]).some((k) => said.has(k));
    if (!matched.length && !categoryMentioned) continue;
    const sameDepartment = !!ticket.departmentId && c.departmentId === ticket.departmentId;
    const score = matched.reduce((n, k) => n + [...k].length, 0) + (categoryMentioned ? 1 : 0) + (sameDepartment ? 2 : 0);
    out.push({ id: c.id, score, matched, categoryMentioned, sameDepartment });
  }
  const idOrder = (a: string, b: string) => (a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0);
  return out
    .sort((a, b) => b.score - a.score || (useCount.get(b.id) ?? 0) - (useCount.get(a.id) ?? 0) || idOrder(b.id, a.id))
    .slice(0, limit);
}
