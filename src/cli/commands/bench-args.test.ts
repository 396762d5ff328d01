import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpointUrl } from '../../bench/options.ts';
import { durationMs, parseBenchArgs } from './bench-args.ts';

test('open loop with defaults', () => {
  const { options, jsonFile, quiet } = parseBenchArgs(['--url', 'http://127.0.0.1:1', '--model', 'm', '--rate', '50']);
  assert.deepEqual(options.load, { kind: 'open', rate: 50, arrival: 'poisson' });
  assert.equal(options.durationMs, 60_000);
  assert.equal(options.workload, 'chat-short');
  assert.equal(options.connections, 1024);
  assert.deepEqual(options.sla, {});
  assert.equal(jsonFile, undefined);
  assert.equal(quiet, false);
});

test('closed loop, SLA, several URLs, durations', () => {
  const { options, htmlFile } = parseBenchArgs([
    '--url',
    'http://a:1,http://b:2',
    '--url',
    'http://c:3/v1',
    '--model',
    'm',
    '--users',
    '10',
    '--think-ms',
    '500..1000',
    '--duration',
    '1.5s',
    '--sla-ttft-ms',
    '200',
    '--sla-itl-ms',
    '25',
    '--stream',
    '--html',
    'r.html',
    '--timeout',
    '500ms',
  ]);
  assert.deepEqual(options.urls, ['http://a:1', 'http://b:2', 'http://c:3/v1']);
  assert.deepEqual(options.load, { kind: 'closed', users: 10, thinkMs: [500, 1000] });
  assert.equal(options.connections, 10);
  assert.equal(options.durationMs, 1500);
  assert.equal(options.timeoutMs, 500);
  assert.deepEqual(options.sla, { ttftMs: 200, itlMs: 25 });
  assert.equal(options.stream, true);
  assert.equal(htmlFile, 'r.html');
  assert.equal(durationMs('2m', 'd'), 120_000);
  assert.equal(durationMs('3', 'd'), 3000);
});

test('bad input names the option', () => {
  const p =
    (...a: string[]) =>
    () =>
      parseBenchArgs(['--url', 'http://x:1', '--model', 'm', ...a]);
  assert.throws(p(), /give --rate R/);
  assert.throws(p('--rate', '1', '--users', '2'), /exclude each other/);
  assert.throws(p('--rate=-1'), /--rate: expected a positive number/);
  assert.throws(p('--rate', 'x'), /--rate: expected a positive number/);
  assert.throws(p('--users', '2', '--think-ms', '5..1'), /--think-ms: expected A..B/);
  assert.throws(p('--rate', '1', '--arrival', 'bursty'), /--arrival: expected poisson or constant/);
  assert.throws(p('--rate', '1', '--duration', '1h'), /--duration: expected a duration/);
  assert.throws(p('--rate', '1', '--bogus'), /bogus/);
  assert.throws(() => parseBenchArgs(['--model', 'm', '--rate', '1']), /--url is required/);
});

test('endpoint URL: bare origin and /v1 bases get the chat path; a full path is kept', () => {
  assert.equal(endpointUrl('http://h:1').pathname, '/v1/chat/completions');
  assert.equal(endpointUrl('http://h:1/v1/').pathname, '/v1/chat/completions');
  assert.equal(endpointUrl('http://h:1/openai/v1').pathname, '/openai/v1/chat/completions');
  assert.equal(endpointUrl('http://h:1/v1/completions').pathname, '/v1/completions');
});

test('--header adds request headers (names lower-cased); a header without a colon is refused', () => {
  const { options } = parseBenchArgs([
    '--url',
    'http://a:1',
    '--model',
    'm',
    '--rate',
    '5',
    '--header',
    'X-Spillway-Priority: critical',
    '--header',
    'x-other:1',
  ]);
  assert.deepEqual(options.headers, { 'x-spillway-priority': 'critical', 'x-other': '1' });
  assert.throws(
    () => parseBenchArgs(['--url', 'http://a:1', '--model', 'm', '--rate', '5', '--header', 'nocolon']),
    /--header: expected 'name: value'/,
  );
});
