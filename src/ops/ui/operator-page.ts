/**
 * The operator page as the gateway holds it: the snapshot source, the live feed, the page's files and the /ui
 * routes, with a slot for a load generator (`attachLoad`: the demo's). Started by the gateway's listen (reads
 * the files, starts the history) and closed by its shutdown (ends every stream and the timer).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UiView } from '../../ingress/ingress-options.ts';
import { Feed } from './feed.ts';
import { uiRoutes } from './handlers.ts';
import { loadPageFiles, type PageFiles } from './page-files.ts';
import { type SnapshotSources, Snapshots } from './snapshot.ts';
import type { LoadControl } from './types.ts';

export type OperatorPageOptions = Omit<SnapshotSources, 'load'> & { intervalMs?: number; pageDir?: string };

export class OperatorPage {
  readonly snapshots: Snapshots;
  readonly feed: Feed;
  readonly routes: (req: IncomingMessage, res: ServerResponse, view: UiView) => void;
  private load: LoadControl | undefined;
  private files: PageFiles | undefined;
  private readonly pageDir: string | undefined;

  constructor(o: OperatorPageOptions) {
    this.snapshots = new Snapshots({ ...o, load: () => this.load });
    this.feed = new Feed({ snapshots: this.snapshots, intervalMs: o.intervalMs });
    this.pageDir = o.pageDir;
    this.routes = uiRoutes({ feed: this.feed, files: () => this.files, load: () => this.load });
  }

  /** The load generator POST /ui/load drives and the snapshots report (`load`). */
  attachLoad(load: LoadControl | undefined): void {
    this.load = load;
  }

  async start(): Promise<void> {
    this.files = await loadPageFiles(this.pageDir);
    this.feed.start();
  }

  close(): void {
    this.feed.close();
  }
}
