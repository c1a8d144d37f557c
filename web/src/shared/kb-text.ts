/**
 * A knowledge-base article's plain text as blocks to render as text (never as HTML): a blank line starts a paragraph,
 * a paragraph whose every line starts with "- " is a list.
 */
export function kbBlocks(body: string): Array<{ kind: 'p' | 'ul'; lines: string[] }> {
  return body
    .split(/\n\s*\n/)
    .map((chunk) => chunk.split('\n').map((l) => l.trim()).filter(Boolean))
    .filter((lines) => lines.length > 0)
    .map((lines) => (lines.every((l) => l.startsWith('- ')) ? { kind: 'ul' as const, lines: lines.map((l) => l.slice(2)) } : { kind: 'p' as const, lines }));
}
