/**
 * Reads a server-sent-events response as text: `until(cond)` reads chunks until `cond()` holds or the server ends the
 * stream (`until(() => false)` waits for the end); `text()` is everything read so far.
 */
export function sseReader(res: Response): { until(cond: () => boolean): Promise<void>; text(): string } {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  return {
    async until(cond) {
      while (!cond()) {
        const { done, value } = await reader.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    },
    text: () => text,
  };
}
