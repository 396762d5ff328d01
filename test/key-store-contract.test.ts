// What every KeyStore does, run against each database: SQLite on a file (two connections, as two workers or
// processes have) and a real PostgreSQL this test starts (two pools, as two instances have).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { CRITICAL } from '../src/admission/priority.ts';
import { DEFAULT_KEY_SETTINGS, DEFAULT_TEAM_SETTINGS } from '../src/tenants/key-settings.ts';
import { KeyConflictError, type KeyStore } from '../src/tenants/store/key-store.ts';
import { PgDriver } from '../src/tenants/store/pg-driver.ts';
import { SqlKeyStore } from '../src/tenants/store/sql-key-store.ts';
import { SqliteDriver } from '../src/tenants/store/sqlite-driver.ts';
import { postgresAvailable, startPostgres, type TestPostgres } from './helpers/postgres.ts';

/** Two instances' stores on one database, on a clock the test sets. */
interface Pair {
  a: SqlKeyStore;
  b: SqlKeyStore;
  clock: { ms: number };
}

interface Implementation {
  skip: string | undefined;
  setUp(): Promise<void>;
  fresh(): Promise<Pair>;
  tearDown(): Promise<void>;
}

const open: KeyStore[] = [];
function pair(make: () => SqlKeyStore[], clock: { ms: number }): Pair {
  const [a, b] = make();
  open.push(a, b);
  return { a, b, clock };
}

let dir = '';
let n = 0;
let server: TestPostgres | undefined;
const PG_SKIP = postgresAvailable();

const implementations: Record<string, Implementation> = {
  'SQLite file': {
    skip: undefined,
    async setUp() {
      dir = await mkdtemp(join(tmpdir(), 'spillway-keys-'));
    },
    async fresh() {
      const path = join(dir, `keys-${n++}.db`);
      const clock = { ms: 1_000_000 };
      const p = pair(() => [0, 1].map(() => new SqlKeyStore(new SqliteDriver(path), () => clock.ms)), clock);
      await p.a.migrate();
      await p.b.migrate();
      return p;
    },
    async tearDown() {
      await rm(dir, { recursive: true, force: true });
    },
  },
  PostgreSQL: {
    skip: PG_SKIP,
    async setUp() {
      server = await startPostgres();
    },
    async fresh() {
      const c = new pg.Client(server!.url);
      await c.connect();
      await c.query('DROP TABLE IF EXISTS spillway_keys, spillway_teams, spillway_seq');
      await c.end();
      const clock = { ms: 1_000_000 };
      const make = () => new SqlKeyStore(new PgDriver(server!.url, () => {}), () => clock.ms);
      const p = pair(() => [make(), make()], clock);
      await Promise.all([p.a.migrate(), p.b.migrate()]);
      return p;
    },
    async tearDown() {
      await server?.destroy();
    },
  },
};

const key = (alias?: string) => ({ ...DEFAULT_KEY_SETTINGS, alias });
const delta = (keyHash: string, teamId?: string, spend = 1) => ({
  keyHash,
  teamId,
  requests: 1,
  promptTokens: 10,
  completionTokens: 5,
  spend,
});

for (const [name, impl] of Object.entries(implementations)) {
  describe(`KeyStore contract: ${name}`, { skip: impl.skip }, () => {
    before(() => impl.setUp());
    after(async () => {
      for (const s of open.splice(0)) await s.close();
      await impl.tearDown();
    });

    it('creates, reads, lists and updates only the fields named; an alias is unique', async () => {
      const { a, b, clock } = await impl.fresh();
      const created = await a.createKey('h1', 'sk-...abcd', { ...key('one'), rpmLimit: 10, models: ['m'] }, clock.ms);
      assert.equal(created.alias, 'one');
      assert.deepEqual(created.models, ['m']);
      assert.equal(created.spend, 0);
      await a.createKey('h2', 'sk-...efgh', key('two'), clock.ms);
      await assert.rejects(a.createKey('h3', 'sk-...ijkl', key('one'), clock.ms), KeyConflictError);
      const updated = await b.updateKey('h1', { maxPriority: CRITICAL, metadata: { owner: 'x' } }, clock.ms);
      assert.equal(updated?.rpmLimit, 10, 'a field not named is kept');
      assert.equal(updated?.maxPriority, CRITICAL);
      assert.deepEqual(updated?.metadata, { owner: 'x' });
      await assert.rejects(b.updateKey('h2', { alias: 'one' }, clock.ms), KeyConflictError);
      assert.equal(await b.updateKey('nope', { rpmLimit: 1 }, clock.ms), undefined);
      const page = await b.listKeys({ offset: 1, limit: 1 });
      assert.equal(page.total, 2);
      assert.deepEqual(
        page.keys.map((k) => k.hash),
        ['h2'],
      );
    });

    it('numbers every change, so each instance reads what changed since it last looked, deletions included', async () => {
      const { a, b, clock } = await impl.fresh();
      const start = await b.changesSince(0);
      await a.createKey('h1', 'sk', key('one'), clock.ms);
      await a.createKey('h2', 'sk', key('two'), clock.ms);
      const first = await b.changesSince(start.seq);
      assert.deepEqual(first.keys.map((k) => k.hash).sort(), ['h1', 'h2']);
      assert.deepEqual(await b.deleteKeys([], ['two'], clock.ms), ['h2']);
      assert.deepEqual(await b.deleteKeys(['h1', 'h2'], [], clock.ms), ['h1']);
      const second = await a.changesSince(first.seq);
      assert.deepEqual(second.keys, []);
      assert.deepEqual([...second.deletedKeys].sort(), ['h1', 'h2']);
      assert.equal((await a.changesSince(second.seq)).keys.length, 0);
      assert.equal(await a.getKey('h1'), undefined);
      // A deleted key's alias is free again.
      await a.createKey('h3', 'sk', key('one'), clock.ms);
    });

    it('concurrent usage flushes and updates of one key from two instances lose nothing', async () => {
      const { a, b, clock } = await impl.fresh();
      await a.createTeam('t', { ...DEFAULT_TEAM_SETTINGS, maxBudget: 100 }, clock.ms);
      await a.createKey('h', 'sk', { ...key('k'), teamId: 't' }, clock.ms);
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i++) {
        const store = i % 2 === 0 ? a : b;
        writes.push(store.recordUsage([delta('h', 't', 0.25)]));
        writes.push(
          store.updateKey('h', i % 3 === 0 ? { rpmLimit: 7 } : i % 3 === 1 ? { tpmLimit: 9 } : { weight: 4 }, clock.ms),
        );
      }
      await Promise.all(writes);
      const k = (await a.getKey('h'))!;
      assert.equal(k.spend, 5);
      assert.deepEqual(k.usage, { requests: 20, promptTokens: 200, completionTokens: 100 });
      assert.deepEqual([k.rpmLimit, k.tpmLimit, k.weight], [7, 9, 4]);
      const t = (await b.getTeam('t'))!;
      assert.equal(t.spend, 5);
      assert.equal(t.usage.requests, 20);
    });

    it('a budget window that ends starts again from zero, on a flush or a sweep', async () => {
      const { a, clock } = await impl.fresh();
      await a.createKey('h', 'sk', { ...key('k'), maxBudget: 10, budgetDurationMs: 1000 }, clock.ms);
      assert.equal((await a.getKey('h'))!.budgetResetAtMs, clock.ms + 1000);
      await a.recordUsage([delta('h', undefined, 2)]);
      clock.ms += 1500;
      await a.recordUsage([delta('h', undefined, 3)]);
      const k = (await a.getKey('h'))!;
      assert.equal(k.spend, 3, 'the ended window did not carry over');
      assert.equal(k.budgetResetAtMs, clock.ms + 1000);
      await a.resetBudgets(clock.ms + 999);
      assert.equal((await a.getKey('h'))!.spend, 3);
      await a.resetBudgets(clock.ms + 1000);
      assert.equal((await a.getKey('h'))!.spend, 0);
    });

    it('teams: unique ids, deleted with their keys, an id usable again afterwards', async () => {
      const { a, b, clock } = await impl.fresh();
      await a.createTeam('t', { ...DEFAULT_TEAM_SETTINGS, alias: 'team t', rpmLimit: 5 }, clock.ms);
      await assert.rejects(b.createTeam('t', DEFAULT_TEAM_SETTINGS, clock.ms), KeyConflictError);
      await a.createKey('h', 'sk', { ...key('k'), teamId: 't' }, clock.ms);
      assert.equal((await b.updateTeam('t', { tpmLimit: 50 }, clock.ms))?.rpmLimit, 5);
      assert.equal((await a.listKeys({ offset: 0, limit: 10, teamId: 't' })).total, 1);
      const since = (await b.changesSince(0)).seq;
      assert.deepEqual(await b.deleteTeams(['t', 'other'], clock.ms), ['t']);
      const changes = await a.changesSince(since);
      assert.deepEqual(changes.deletedTeams, ['t']);
      assert.deepEqual(changes.deletedKeys, ['h']);
      const again = await a.createTeam('t', DEFAULT_TEAM_SETTINGS, clock.ms);
      assert.equal(again.rpmLimit, undefined);
      assert.equal(again.spend, 0);
      assert.deepEqual(
        (await b.listTeams()).map((t) => t.id),
        ['t'],
      );
    });

    it('static keys: the file sets their fields, spend is kept, a key taken out of the file is deleted', async () => {
      const { a, clock } = await impl.fresh();
      await a.syncStaticKeys(
        [
          { hash: 's1', settings: key('s1') },
          { hash: 's2', settings: key('s2') },
        ],
        clock.ms,
      );
      await a.recordUsage([delta('s1', undefined, 2)]);
      await a.syncStaticKeys([{ hash: 's1', settings: { ...key('s1'), rpmLimit: 3 } }], clock.ms);
      const s1 = (await a.getKey('s1'))!;
      assert.equal(s1.rpmLimit, 3);
      assert.equal(s1.spend, 2);
      assert.equal(s1.isStatic, true);
      assert.equal(await a.getKey('s2'), undefined);
    });
  });
}
