/** Σ of every series of `name` whose labels contain all of `having`, in a Prometheus text exposition. */
export function metricSum(text: string, name: string, having: readonly string[] = []): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const c = line.charCodeAt(name.length);
    if (c !== 123 /* { */ && c !== 32 /* space */) continue;
    if (having.some((h) => !line.includes(h))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
