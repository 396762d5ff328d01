/**
 * Spillway as `spillway serve --config FILE --port N` runs it, plus the bench's tenant keys
 * (src/bench/fairness/stub-keys.ts), which `serve` cannot be given until the gateway has keys of its own: the
 * fairness bench's gateway process (src/bench/fairness/tenants.ts starts it).
 *
 *   node bench/fairness-gateway.ts --config FILE --port N --keys JSON
 */
import { parseArgs } from 'node:util';
import { type StubKey, stubKeys } from '../src/bench/fairness/stub-keys.ts';
import { loadConfigFile } from '../src/config/load.ts';
import { createGateway } from '../src/gateway.ts';

const { values } = parseArgs({
  options: { config: { type: 'string' }, port: { type: 'string' }, keys: { type: 'string' } },
});
const { config } = await loadConfigFile(values.config!);
const keys = JSON.parse(values.keys!) as StubKey[];
const gateway = createGateway({ config, keys: stubKeys(keys) });
await gateway.listen(Number(values.port), '127.0.0.1');
const stop = () => void gateway.shutdown(1000).then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
