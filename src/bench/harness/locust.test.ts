import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLocustCsv } from './locust.ts';

test('reads the Aggregated row and counts failures by status', () => {
  const stats = `Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,\
Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,90%
POST,/v1/chat/completions,62,22,4,23.4,2,150,420,31.6,11.2,4,5,40
,Aggregated,62,22,4,23.4,2,150,420,31.6,11.2,4,5,40
`;
  const failures = `Method,Name,Error,Occurrences
POST,/v1/chat/completions,CatchResponseError('status 429'),20
POST,/v1/chat/completions,"ConnectionError(""refused, twice"")",2
`;
  const r = parseLocustCsv(stats, failures);
  assert.deepEqual(
    { ...r },
    {
      requests: 62,
      failures: 22,
      medianMs: 4,
      p90Ms: 40,
      meanMs: 23.4,
      rps: 31.6,
      failuresBy: { 'status 429': 20, 'ConnectionError("refused, twice")': 2 },
    },
  );
});
