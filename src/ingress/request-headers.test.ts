import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CRITICAL, SHEDDABLE, STANDARD } from '../admission/priority.ts';
import { readRequestHeaders } from './request-headers.ts';

test('the priority header is parsed once: absent is standard, an unknown class is -1', () => {
  assert.equal(readRequestHeaders({}, false).priority, STANDARD);
  assert.equal(readRequestHeaders({ 'x-spillway-priority': 'critical' }, false).priority, CRITICAL);
  assert.equal(readRequestHeaders({ 'x-spillway-priority': ' Sheddable ' }, false).priority, SHEDDABLE);
  assert.equal(readRequestHeaders({ 'x-spillway-priority': 'urgent' }, false).priority, -1);
});

test('the TTFT budget is a positive number of ms, NaN when it is not one, undefined when absent', () => {
  assert.equal(readRequestHeaders({}, false).ttftBudgetMs, undefined);
  assert.equal(readRequestHeaders({ 'x-spillway-ttft-budget-ms': '250' }, false).ttftBudgetMs, 250);
  assert.ok(Number.isNaN(readRequestHeaders({ 'x-spillway-ttft-budget-ms': '0' }, false).ttftBudgetMs));
  assert.ok(Number.isNaN(readRequestHeaders({ 'x-spillway-ttft-budget-ms': 'soon' }, false).ttftBudgetMs));
});

test('status events are asked with 1 or true; a fault is read only with fault injection on', () => {
  assert.equal(readRequestHeaders({ 'x-spillway-status-events': '1' }, false).statusEvents, true);
  assert.equal(readRequestHeaders({ 'x-spillway-status-events': 'yes' }, false).statusEvents, false);
  assert.equal(readRequestHeaders({ 'x-spillway-fault': 'routing' }, false).fault, undefined);
  assert.equal(readRequestHeaders({ 'x-spillway-fault': 'routing' }, true).fault, 'routing');
  assert.equal(readRequestHeaders({ 'x-spillway-fault': 'nowhere' }, true).fault, undefined);
});
