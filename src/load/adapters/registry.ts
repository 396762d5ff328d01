/** Load report adapters by kind: the value of a deployment's `load.kind`. */
import { defaultLoadUrl, type LoadKind, type LoadSourceConfig } from '../../config/load-source.ts';
import type { LoadAdapter, ReportSink } from '../report.ts';
import { sglangReport, vllmReport } from './engine-metrics.ts';
import { PushAdapter } from './push.ts';
import { ScrapeAdapter } from './scrape.ts';

type AdapterFactory = (source: LoadSourceConfig, url: string, sink: ReportSink) => LoadAdapter;

const factories: Record<Exclude<LoadKind, 'none'>, AdapterFactory> = {
  vllm: (s, url, sink) =>
    new ScrapeAdapter({
      kind: 'vllm',
      url,
      sink,
      mapping: vllmReport,
      intervalMs: s.intervalMs,
      timeoutMs: s.timeoutMs,
    }),
  sglang: (s, url, sink) =>
    new ScrapeAdapter({
      kind: 'sglang',
      url,
      sink,
      mapping: sglangReport(s.blockSize),
      intervalMs: s.intervalMs,
      timeoutMs: s.timeoutMs,
    }),
  push: (s, url, sink) => new PushAdapter({ url, sink, timeoutMs: s.timeoutMs }),
};

/** The adapter feeding `sink` for a deployment at `apiBase`; undefined for `none` (prediction only). */
export function createLoadAdapter(
  source: LoadSourceConfig,
  apiBase: string,
  sink: ReportSink,
): LoadAdapter | undefined {
  if (source.kind === 'none') return undefined;
  const url = source.url ?? defaultLoadUrl(source.kind, apiBase)!;
  return factories[source.kind](source, url, sink);
}
