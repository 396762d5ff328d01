// Client-side helpers for the engine simulator's integration tests (test/sim-*.test.ts).
import type { EngineHandle, LoadSnapshot } from '../src/sim/server.ts';

export interface StreamResult {
  status: number;
  headers: Headers;
  /** Wall ms from sending to the first content chunk (NaN if none). */
  ttftMs: number;
  contents: string[];
  events: any[];
  finishReason: string | null;
  usage: any;
  done: boolean;
  errorBody: any;
}

/** POSTs a streaming request and reads it to the end (or until `stopAfterFirst`, then aborts). */
export async function streamRequest(
  url: string,
  body: Record<string, unknown>,
  opts: { path?: string; signal?: AbortSignal } = {},
): Promise<StreamResult> {
  const started = performance.now();
  const res = await fetch(url + (opts.path ?? '/v1/chat/completions'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stream: true, ...body }),
    signal: opts.signal,
  });
  const out: StreamResult = {
    status: res.status,
    headers: res.headers,
    ttftMs: NaN,
    contents: [],
    events: [],
    finishReason: null,
    usage: null,
    done: false,
    errorBody: null,
  };
  if (res.status !== 200) {
    out.errorBody = await res.json();
    return out;
  }
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body!) {
    buf += decoder.decode(chunk, { stream: true });
    let sep: number;
    while ((sep = buf.indexOf('\n\n')) >= 0) {
      const event = buf.slice(0, sep);
      buf = buf.slice(sep + 2);
      const data = event.slice('data: '.length);
      if (data === '[DONE]') {
        out.done = true;
        continue;
      }
      const e = JSON.parse(data);
      out.events.push(e);
      if (e.usage) out.usage = e.usage;
      const c = e.choices?.[0];
      if (!c) continue;
      const text = c.delta?.content ?? c.text;
      if (text) {
        if (out.contents.length === 0) out.ttftMs = performance.now() - started;
        out.contents.push(text);
      }
      if (c.finish_reason) out.finishReason = c.finish_reason;
    }
  }
  return out;
}

/**
 * Resolves when the engine's load satisfies `pred` (checked now, then on every load-feed message); rejects
 * with the last state seen after `timeoutMs`, so a broken expectation fails instead of hanging.
 */
export function loadWhen(
  engine: EngineHandle,
  pred: (l: LoadSnapshot) => boolean,
  timeoutMs = 5000,
): Promise<LoadSnapshot> {
  return new Promise((resolve, reject) => {
    const now = engine.load();
    if (pred(now)) return resolve(now);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`load never matched; last: ${JSON.stringify(engine.load())}`));
    }, timeoutMs);
    const off = engine.subscribe((m) => {
      if (pred(m)) {
        off();
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
}

/** Value of one series in Prometheus text (first line whose name and labels start as given). */
export function metricValue(text: string, nameAndLabels: string): number {
  for (const line of text.split('\n')) {
    if (line.startsWith(nameAndLabels)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return NaN;
}

export function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export const userMessage = (content: string) => [{ role: 'user' as const, content }];
