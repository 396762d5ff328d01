// Runs a bench scenario's smoke form as a child process, as CI does, and checks it stopped everything it started.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export async function runScenarioSmoke(
  name: string,
  out: string,
  extra: string[] = [],
): Promise<{ stdout: string; stderr: string }> {
  const script = path.resolve(import.meta.dirname, `../bench/${name}.ts`);
  try {
    return await exec(process.execPath, [script, '--smoke', '--out', out, ...extra], {
      timeout: 110_000,
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${name} --smoke failed: ${e.message}\n${e.stderr ?? ''}`);
  }
}
