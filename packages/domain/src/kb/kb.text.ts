// Search text of the knowledge base (知识库). Chinese has no spaces between words, so words cannot be indexed; what an
// agent types mid-call ("停水", "社保卡") is a substring of the article. Every two- and three-character substring
// (bigram, trigram) of the article's text is indexed; an article can contain a query only if it holds every gram of
// it (a run of two characters by its bigram, a longer one by its trigrams), and only runs longer than three characters
// are then checked on those candidates. That finds exactly the articles a substring scan finds (recall 1) while
// reading a handful of index entries (docs/domain.md §13).
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
  return kbNgrams(normalized, 2);
}

/** The distinct `n`-character substrings inside the runs of normalised text, in first-seen order. */
function kbNgrams(normalized: string, n: number): string[] {
  const grams = new Set<string>();
  for (const run of normalized.split(' ')) {
    const chars = [...run]; // code points: a character outside the BMP is one character
    for (let i = 0; i + n <= chars.length; i++) grams.add(chars.slice(i, i + n).join(''));
  }
  return [...grams];
}

/**
 * What an article's text is indexed by: its bigrams and trigrams. Trigrams make a query of three or more characters
 * selective where its bigrams are not: digits ("12", "17") are in nearly every article (dates, phone numbers), "177"
 * in few.
 */
export function kbGrams(normalized: string): string[] {
  return [...kbNgrams(normalized, 2), ...kbNgrams(normalized, 3)];
}

/** Longest run the index decides alone: a run of two is its bigram, a run of three its trigram. */
export const KB_INDEX_EXACT_CHARS = 3;

/** A query ready for the index: its normalised text and the grams an article must hold to contain it. */
export interface KbQuery {
  text: string;
  grams: string[];
}

/** Prepares what an agent typed; CTI_ERR_VALIDATION when it has fewer than two characters in a run or is too long. */
export function kbQuery(input: string): KbQuery {
  const text = normalizeKbText(input);
  const chars = [...text.replaceAll(' ', '')].length;
  if (chars > KB_MAX_QUERY_CHARS) throw new CtiError('CTI_ERR_VALIDATION', `a search is at most ${KB_MAX_QUERY_CHARS} characters`, { length: chars });
  // Every run needs a gram, else a one-character run ("水 费" → "水") would be ignored and match everything.
  if (text === '' || text.split(' ').some((run) => [...run].length < KB_MIN_QUERY_CHARS)) {
    throw new CtiError('CTI_ERR_VALIDATION', `search for at least ${KB_MIN_QUERY_CHARS} characters together (e.g. 停水)`, { query: input });
  }
  // A run of two by its bigram, a longer run by its trigrams (all of them, so a run of three is decided exactly).
  const grams = new Set<string>();
  for (const run of text.split(' ')) for (const g of [...run].length === 2 ? kbNgrams(run, 2) : kbNgrams(run, 3)) grams.add(g);
  return { text, grams: [...grams] };
}

/** What is searched of an article: title, keywords and body, each normalised (the title first). */
export function kbSearchText(a: { title: string; keywords: readonly string[]; body: string }): string {
  return [a.title, ...a.keywords, a.body].map(normalizeKbText).filter((s) => s !== '').join(' ');
}
