/**
 * Replays every published sweep a bundled profile carries against the simulator and prints, per point, the
 * published figure, the simulated one and the error (docs/SIMULATOR.md, "Fidelity"). Closed loop in virtual time,
 * with the sweep's concurrency, shapes and prompt counts: deterministic, a few seconds of CPU, no servers.
 *
 *   npm run bench:fidelity [-- --profiles a,b] [--prompt-scale 0.2] [--limit 0.25]
 *
 * Exits 1 when a published figure is off by more than --limit, unless --report-only.
 */
import { parseArgs } from 'node:util';
import { worstError } from '../src/sim/fit/sweep.ts';
import { fidelityTable, hasSweep, replayProfile } from '../src/sim/fit/table.ts';
import { bundledProfiles } from '../src/sim/perf-model.ts';

const { values } = parseArgs({
  options: {
    profiles: { type: 'string' },
    'prompt-scale': { type: 'string', default: '1' },
    limit: { type: 'string', default: '0.25' },
    'report-only': { type: 'boolean', default: false },
  },
});
const profiles = values.profiles?.split(',') ?? bundledProfiles().filter(hasSweep);
const limit = Number(values.limit);
const started = performance.now();
let over = 0;
for (const name of profiles) {
  const rows = replayProfile(name, Number(values['prompt-scale']));
  console.log(`${fidelityTable(name, rows)}\n`);
  const worst = worstError(rows);
  if (worst > limit) over++;
  console.log(`${name}: worst published figure off by ${(100 * worst).toFixed(0)}%\n`);
}
console.log(`${profiles.length} profiles in ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (over > 0 && !values['report-only']) process.exitCode = 1;
