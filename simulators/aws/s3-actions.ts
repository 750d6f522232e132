import type { ActionContext } from './action-context.js';
import { canonicalUserIdFor } from './ids.js';
import { Flattened, type XmlObject } from './xml.js';

/**
 * GET / — the `<ListAllMyBucketsResult>` body. ListAllMyBuckets has no resource type, so it is authorized on "*".
 * It exists so tests can prove an attacker's session reads data before containment and is refused after.
 */
export function listBuckets(ctx: ActionContext): XmlObject {
  ctx.authorize('s3:ListAllMyBuckets', '*');
  return {
    Owner: { ID: canonicalUserIdFor(ctx.state.accountId), DisplayName: `sandbox-${ctx.state.accountId}` },
    Buckets: {
      Bucket: new Flattened(
        ctx.state.buckets.map((bucket) => ({
          Name: bucket.name,
          // S3 timestamps keep milliseconds, unlike IAM's.
          CreationDate: new Date(bucket.creationDate).toISOString(),
          BucketRegion: 'us-east-1',
        })),
      ),
    },
  };
}
