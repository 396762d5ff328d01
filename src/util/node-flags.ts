/**
 * The V8 flags every `spillway` process runs with: bin/spillway.js's shebang and the npm scripts pass them
 * (test/node-flags.test.ts keeps the three in step), the bench harness too.
 *
 * --max-semi-space-size=8: V8 grows the young generation up to 64 MB under a proxy's allocation rate and keeps it;
 * capped at 16 MB, a gateway after 64-connection saturation holds ~150 MB instead of 175-265 MB, at no measurable
 * CPU per request (docs/BENCHMARKS.md, "Gateway memory"). V8 reads the flag only when the heap is created, so it
 * cannot be set from inside the process.
 */
export const NODE_FLAGS = ['--max-semi-space-size=8'] as const;
