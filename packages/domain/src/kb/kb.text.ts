// Search text of the knowledge base (知识库). Chinese has no spaces between words, so words cannot be indexed; what an
// agent types mid-call ("停水", "社保卡") is a substring of the article. Every two-character substring (bigram) of the
// article's text is indexed; an article can contain a query only if it contains every bigram of it, and those few
// candidates are then checked for the query itself. That finds exactly the articles a substring scan finds (recall 1)
// while reading a handful of index entries (docs/domain.md, knowledge base).
import { CtiError } from '../errors.js';

/** Shortest query the index answers: one character has no bigram. */
export const KB_MIN_QUERY_CHARS = 2;
/** Longest query: a sentence pasted from a ticket is not a search term. */
export const KB_MAX_QUERY_CHARS = 40;

/** Runs of letters and digits: punctuation and spaces separate them (and are never part of a match). */
const RUN = /[\p{L}\p{N}]+/gu;

/**
 * The text as it is searched: Unicode NFKC (full-width Ａ１ → A1, compatibility forms folded), lower case, runs of
 * letters and digits joined by one space. The same function prepares the query, so both sides agree.
 */
export function normalizeKbText(text: string): string {
  return (text.normalize('NFKC').toLowerCase().match(RUN) ?? []).join(' ');
}

/** The distinct bigrams inside the runs of normalised text (never across a separator), in first-seen order. */
export function kbBigrams(normalized: string): string[] {
  const grams = new Set<string>();
  for (const run of normalized.split(' ')) {
    const chars = [...run]; // code points: a character outside the BMP is one character
    for (let i = 0; i + 1 < chars.length; i++) grams.add(chars[i]! + chars[i + 1]!);
  }
  return [...grams];
}

/** A query ready for the index: its normalised text and the bigrams an article must hold to contain it. */
export interface KbQuery {
  text: string;
  grams: string[];
}

/** Prepares what an agent typed; CTI_ERR_VALIDATION when it has fewer than two characters in a run or is too long. */
export function kbQuery(input: string): KbQuery {
  const text = normalizeKbText(input);
  const chars = [...text.replaceAll(' ', '')].length;
  if (chars > KB_MAX_QUERY_CHARS) throw new CtiError('CTI_ERR_VALIDATION', `a search is at most ${KB_MAX_QUERY_CHARS} characters`, { length: chars });
  const grams = kbBigrams(text);
  // Every run needs a bigram, else a one-character run ("水 费" → "水") would be ignored and match everything.
  if (text === '' || text.split(' ').some((run) => [...run].length < KB_MIN_QUERY_CHARS)) {
    throw new CtiError('CTI_ERR_VALIDATION', `search for at least ${KB_MIN_QUERY_CHARS} characters together (e.g. 停水)`, { query: input });
  }
  return { text, grams };
}

/** What is searched of an article: title, keywords and body, each normalised (the title first). */
export function kbSearchText(a: { title: string; keywords: readonly string[]; body: string }): string {
  return [a.title, ...a.keywords, a.body].map(normalizeKbText).filter((s) => s !== '').join(' ');
}
