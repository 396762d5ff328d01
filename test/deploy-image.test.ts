// deploy/docker/Dockerfile in step with the code: the Node the tests run on, the flags and entry every start
// uses, a readiness path that exists, and an `npm ci --omit=dev` that holds everything src/ imports.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { routeTable } from '../src/ingress/routes.ts';
import { NODE_FLAGS } from '../src/util/node-flags.ts';

const read = (rel: string) => readFileSync(new URL(`../${rel}`, import.meta.url), 'utf8');

/** The Dockerfile's instructions in order, continuation lines joined and comments dropped. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op, ...rest] = line.trim().split(/\s+/);
      return { op, args: rest.join(' ') };
    });
}

const dockerfile = instructions(read('deploy/docker/Dockerfile'));
const all = (op: string) => dockerfile.filter((i) => i.op === op).map((i) => i.args);
const last = (op: string) => all(op).at(-1) ?? '';

describe('the container image', () => {
  it('runs the Node version the tests run on (the `node` devDependency)', () => {
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version: string }> };
    assert.equal(all('ARG')[0], `NODE_VERSION=${lock.packages['node_modules/node'].version}`);
    for (const from of all('FROM')) assert.match(from, /^node:\$\{NODE_VERSION\}-bookworm-slim\b/);
  });

  it('starts bin/spillway.js with NODE_FLAGS, as a user other than root', () => {
    assert.deepEqual(JSON.parse(last('ENTRYPOINT')), ['node', ...NODE_FLAGS, 'bin/spillway.js']);
    assert.ok(existsSync(new URL('../bin/spillway.js', import.meta.url)));
    assert.equal(last('USER'), 'node');
    assert.equal(last('WORKDIR'), '/app');
  });

  it('serves by default with a config path and flags `spillway serve` takes', async () => {
    const { command } = await import('../src/cli/commands/serve.ts');
    const [name, ...args] = JSON.parse(last('CMD')) as string[];
    assert.equal(name, 'serve');
    for (const flag of args.filter((a) => a.startsWith('--'))) assert.ok(command.help.includes(flag), flag);
    assert.equal(args[args.indexOf('--config') + 1], '/etc/spillway/config.yaml');
  });

  it('checks its health on the readiness route', () => {
    const url = /SPILLWAY_HEALTH_URL=(\S+)/.exec(all('ENV').join(' '))?.[1] ?? '';
    assert.equal(routeTable().get(new URL(url).pathname)?.kind, 'readiness', url);
    assert.match(last('HEALTHCHECK'), /process\.env\.SPILLWAY_HEALTH_URL/);
  });

  it('copies files that exist and that .dockerignore lets into the build context', () => {
    const allowed = read('.dockerignore')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    const sources = all('COPY')
      .filter((a) => !a.startsWith('--from'))
      .flatMap((a) => a.split(' ').slice(0, -1));
    assert.ok(sources.includes('src') && sources.includes('bin'), `${sources}`);
    for (const s of sources) {
      assert.ok(existsSync(new URL(`../${s}`, import.meta.url)), s);
      assert.ok(allowed.includes(s), `.dockerignore leaves ${s} out`);
    }
  });

  it('installs every package src/ imports (npm ci --omit=dev): none is only a devDependency', () => {
    const { dependencies } = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    assert.match(last('RUN'), /^npm ci --omit=dev\b/);
    const files = readdirSync(new URL('../src', import.meta.url), { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('test-helpers.ts'),
    );
    for (const f of files) {
      for (const [, spec] of read(`src/${f}`).matchAll(/(?:from |import\()'([^'.][^']*)'/g)) {
        if (spec.startsWith('node:')) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        assert.ok(name in dependencies, `src/${f} imports ${name}, which is not in dependencies`);
      }
    }
  });
});
