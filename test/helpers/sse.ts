// Reads server-sent events (GET /ui/events) over a real connection, frame by frame.
import assert from 'node:assert/strict';

export interface SseEvent {
  event: string;
  data: any;
}

/** Reads SSE events from `url` until `enough(events)` says so, then aborts the stream. */
export async function readEvents(
  url: string,
  headers: Record<string, string>,
  enough: (events: SseEvent[]) => boolean,
): Promise<SseEvent[]> {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for await (const chunk of res.body!) {
      buf += decoder.decode(chunk, { stream: true });
      let sep: number;
      while ((sep = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, sep);
        buf = buf.slice(sep + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
        if (enough(events)) return events;
      }
    }
  } finally {
    ac.abort();
  }
  return events;
}
