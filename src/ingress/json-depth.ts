/**
 * The nesting bound on a parsed request body. V8's JSON.parse is iterative and accepts any depth, but every
 * recursive walk downstream (ours, a library's, JSON.stringify) overflows the stack near 10,000 levels and a
 * 12 KB body reaches that; refusing bodies nested deeper than `spillway.max_json_depth` at the ingress bounds
 * every later walk. Depth counts containers: `{}` is 1, `{"a":[]}` is 2.
 *
 * Hand-written because no library bounds depth after parsing without walking recursively itself. The walk is
 * iterative over one module-level stack (single-threaded, no re-entry), descends only into objects and arrays,
 * and costs one visit per container: a chat body of a few messages is a few dozen visits.
 */

let stack: object[] = [];
let depths: number[] = [];

/**
 * The path of the first container nested deeper than `maxDepth` (e.g. `messages[0].content[3]`), or undefined
 * when the whole value is within it.
 */
export function tooDeepAt(value: unknown, maxDepth: number): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  stack[0] = value;
  depths[0] = 1;
  let sp = 1;
  let high = 1;
  let found = false;
  while (sp > 0) {
    const node = stack[--sp];
    const depth = depths[sp];
    if (depth > maxDepth) {
      found = true;
      break;
    }
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) {
        const c = node[i];
        if (c !== null && typeof c === 'object') {
          stack[sp] = c;
          depths[sp++] = depth + 1;
        }
      }
    } else {
      const o = node as Record<string, unknown>;
      for (const k in o) {
        const c = o[k];
        if (c !== null && typeof c === 'object') {
          stack[sp] = c;
          depths[sp++] = depth + 1;
        }
      }
    }
    if (sp > high) high = sp;
  }
  // Drop the references (a body must not stay reachable from here); let go of the arrays after a huge body.
  if (high > 4096) {
    stack = [];
    depths = [];
  } else stack.fill(undefined as unknown as object, 0, high);
  return found ? pathTo(value, maxDepth) : undefined;
}

/**
 * The path to the first container at depth `maxDepth + 1` in document order. Runs only for a refused body, so
 * it may allocate: an explicit stack of frames, never recursion.
 */
function pathTo(root: object, maxDepth: number): string {
  interface Frame {
    node: object;
    keys: string[] | undefined;
    next: number;
    label: string;
  }
  const frames: Frame[] = [
    { node: root, keys: Array.isArray(root) ? undefined : Object.keys(root), next: 0, label: '' },
  ];
  while (frames.length > 0) {
    const f = frames[frames.length - 1];
    const arr = f.keys === undefined ? (f.node as unknown[]) : undefined;
    const count = arr !== undefined ? arr.length : f.keys!.length;
    if (f.next >= count) {
      frames.pop();
      continue;
    }
    const i = f.next++;
    const key = arr !== undefined ? i : f.keys![i];
    const child = arr !== undefined ? arr[i] : (f.node as Record<string, unknown>)[key as string];
    if (child === null || typeof child !== 'object') continue;
    const label =
      typeof key === 'number'
        ? `[${key}]`
        : /^[A-Za-z_$][\w$]*$/.test(key)
          ? `.${key}`
          : `[${JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key)}]`;
    if (frames.length >= maxDepth)
      return frames
        .slice(1)
        .map((x) => x.label)
        .join('')
        .concat(label)
        .replace(/^\./, '');
    frames.push({ node: child, keys: Array.isArray(child) ? undefined : Object.keys(child), next: 0, label });
  }
  return '';
}
