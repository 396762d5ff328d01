/**
 * Which streams the gateway asks for their usage (`stream_options.include_usage`, ../upstream/include-usage.ts)
 * and strips it from (../relay/usage-strip.ts), so tpm, the tenant's counters and the token counters count
 * what was streamed, not only the prompt. The mode is chosen once when the gateway is built (`spillway.stream_usage`):
 * `needed` asks for a tenant's streams (../pipeline/tenant-gate.ts) and the streams of a group with a tpm
 * limit on any of its deployments (the attempt may go to any); `always` asks for every stream.
 */
import type { ObservabilityConfig } from '../config/observability.ts';
import type { DeploymentConfig } from '../config/types.ts';
import { takesIncludeUsage } from '../upstream/include-usage.ts';
import type { Ref } from '../util/ref.ts';
import type { RequestContext } from './request-context.ts';

/**
 * A stream of an API that has `stream_options` whose client said nothing of it: asking changes nothing it
 * sees once the event is stripped. A client that sent `stream_options` is left as it asked.
 */
export function mayAskStreamUsage(ctx: RequestContext): boolean {
  return ctx.stream && takesIncludeUsage[ctx.endpoint] && ctx.body.stream_options === undefined;
}

export interface StreamUsage {
  /** Ask `ctx`'s upstream for the stream's usage (tenants aside: the tenant gate asks for theirs). */
  asks(ctx: RequestContext): boolean;
}

/**
 * `deployments`: the routing set's, read per request; the tpm groups are recounted when a reload replaced it
 * (src/reload), a comparison of one reference otherwise.
 */
export function streamUsage(
  mode: ObservabilityConfig['streamUsage'],
  deployments: Ref<readonly { readonly config: DeploymentConfig }[]>,
): StreamUsage {
  if (mode === 'always') return { asks: mayAskStreamUsage };
  let counted: readonly { readonly config: DeploymentConfig }[] | undefined;
  let tpmGroups = new Set<string>();
  return {
    asks(ctx) {
      const ds = deployments.current;
      if (ds !== counted) {
        counted = ds;
        tpmGroups = new Set(ds.filter((d) => d.config.tpm !== undefined).map((d) => d.config.group));
      }
      return tpmGroups.size > 0 && tpmGroups.has(ctx.group) && mayAskStreamUsage(ctx);
    },
  };
}
