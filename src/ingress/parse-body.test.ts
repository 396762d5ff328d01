import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelGroup } from '../routing/group.ts';
import { leastBusy } from '../routing/strategies/least-busy.ts';
import { seededRandom } from '../util/random.ts';
import { type BodyRules, parseBody } from './parse-body.ts';

const chat = new ModelGroup('chat', [], leastBusy(seededRandom(1)));
const rules: BodyRules = { maxJsonDepth: 4, groups: new Map([['chat', chat]]), knownGroups: 'chat' };
const parse = (text: string) => parseBody(Buffer.from(text), 'chat', rules);

test('a valid body naming a known group is parsed, with its group', () => {
  const r = parse('{"model":"chat","messages":[{"role":"user","content":"hi"}]}');
  assert.ok(!('outcome' in r));
  assert.equal(r.group, chat);
  assert.equal(r.body.model, 'chat');
});

test('each refusal carries its outcome and the field it is about', () => {
  assert.deepEqual(
    (({ outcome, param }) => ({ outcome, param }))(parse('{"model":') as { outcome: string; param: string | null }),
    { outcome: 'invalid_json', param: null },
  );
  const deep = parse('{"model":"chat","messages":[{"role":"user","content":[[[[1]]]]}]}');
  assert.ok('outcome' in deep && deep.outcome === 'json_too_deep', JSON.stringify(deep));
  assert.match(String(deep.param), /messages/);
  const invalid = parse('{"model":"chat"}');
  assert.ok('outcome' in invalid && invalid.outcome === 'bad_request');
  const unknown = parse(`{"model":"${'x'.repeat(1000)}","messages":[{"role":"user","content":"hi"}]}`);
  assert.ok('outcome' in unknown && unknown.outcome === 'model_not_found' && unknown.param === 'model');
  assert.ok(unknown.message.length < 600, 'the unknown name is clipped, not echoed in full');
  assert.match(unknown.message, /Known model groups: chat/);
});
