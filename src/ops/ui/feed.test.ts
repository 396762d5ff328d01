import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { Feed } from './feed.ts';
import type { Snapshots } from './snapshot.ts';
import type { UiSnapshot } from './types.ts';

/** Snapshots one second apart (t = 1000·i), each saying which it is. */
function counting(): Snapshots {
  let i = 0;
  const take = (): UiSnapshot => {
    i++;
    return { t: i * 1000, backpressure: false, load: null, groups: [], engines: [] };
  };
  return { take } as unknown as Snapshots;
}

/** A response that keeps what was written to it, and can close like a client that left. */
function sink() {
  const written: string[] = [];
  const listeners: (() => void)[] = [];
  const res = {
    writableLength: 0,
    writeHead() {},
    write(s: string) {
      written.push(s);
      return true;
    },
    end() {},
    on(_event: 'close', f: () => void) {
      listeners.push(f);
    },
  };
  const close = () => {
    for (const f of listeners) f();
  };
  return { res: res as unknown as ServerResponse, written, close };
}

test('the history keeps the last 300 points, oldest first, and a client gets it before its snapshots', () => {
  const feed = new Feed({ snapshots: counting() });
  for (let k = 0; k < 310; k++) feed.tick();
  const client = sink();
  assert.equal(feed.subscribe(client.res), true);
  const history = JSON.parse(client.written[0].replace(/^event: history\ndata: /, ''));
  assert.equal(history.stepMs, 1000);
  assert.deepEqual([history.points.length, history.points[0].t, history.points.at(-1).t], [300, 11_000, 310_000]);
  assert.match(client.written[1], /^event: snapshot\ndata: \{"t":311000,/);
  assert.equal(feed.period, 250);
  client.close();
  assert.equal(feed.size, 0);
  assert.equal(feed.period, 1000);
  feed.close();
  assert.equal(feed.period, 0);
});

test('a client over the cap is refused; one that does not read is skipped, not buffered', () => {
  const feed = new Feed({ snapshots: counting(), maxClients: 1 });
  const reader = sink();
  const slow = sink();
  assert.equal(feed.subscribe(slow.res), true);
  assert.equal(feed.subscribe(reader.res), false);
  (slow.res as { writableLength: number }).writableLength = 2 << 20;
  const before = slow.written.length;
  feed.tick();
  assert.equal(slow.written.length, before);
  feed.close();
});
