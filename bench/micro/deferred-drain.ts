// How the router queue defers a drain off the callback of the request whose chunk, end or engine report freed
// capacity (src/routing/queue/waiting-room.ts drainSoon): queueMicrotask against setImmediate, the cost of one
// deferred drain (schedule + run) and the delay from scheduling to the run on an idle loop. Under load
// setImmediate also waits for the loop's I/O phase; a microtask runs as soon as the callback returns.
// Run: node bench/micro/deferred-drain.ts
const N = 200_000;
async function run(name: string, schedule: (f: () => void) => void): Promise<void> {
  const rounds: number[][] = [];
  for (let r = 0; r < 5; r++) {
    let done = 0;
    let lag = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const step = () => {
        const s = performance.now();
        schedule(() => {
          lag += performance.now() - s;
          if (++done === N) resolve();
          else step();
        });
      };
      step();
    });
    rounds.push([((performance.now() - t0) * 1000) / N, (lag * 1000) / N]);
  }
  rounds.sort((a, b) => a[0] - b[0]);
  console.log(
    `${name.padEnd(16)} ${rounds[2][0].toFixed(3)} µs per deferred drain (median of 5 × ${N}), delay to the run ${rounds[2][1].toFixed(3)} µs`,
  );
}
await run('queueMicrotask', queueMicrotask);
await run('setImmediate', setImmediate);
