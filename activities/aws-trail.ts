import { LookupEventsCommand, type CloudTrailClient, type LookupAttributeKey } from '@aws-sdk/client-cloudtrail';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  awsFindingOf,
  awsTimelineEntry,
  sweepOf,
  type AwsSweep,
  type AwsSweepRequest,
  type AwsTrailEvent,
  type ProviderWatch,
  type WatchHit,
  type WatchRequest,
} from '../domain/sweep.js';
import { classifyAwsError } from './aws-errors.js';
import { activityCancellation } from './cancellation.js';
import { InvalidRequestError, waitingOutThrottling } from './errors.js';

export type { AwsSweepRequest } from '../domain/sweep.js';

export interface TrailReading {
  /** Between two lookups: CloudTrail allows two a second per account and Region. */
  paceMs?: number;
  /** At most this many credentials are followed (the stolen ones, then the keys and sessions they made). */
  maxCredentials?: number;
  /** At most this many pages per lookup (50 events each). */
  maxPages?: number;
  /** Throttled lookups retried in place, after a growing pause, before the activity fails retryably. */
  throttleRetries?: number;
}

// A little over 500 ms: two lookups a second, with room for the clocks of the two ends.
const DEFAULTS = { paceMs: 550, maxCredentials: 20, maxPages: 40, throttleRetries: 4 };

// The fields the sweep relies on, checked: a lookup's event and the record inside it.
const LookedUp = z.object({
  EventId: z.string().min(1),
  EventName: z.string().min(1),
  EventTime: z.date(),
  AccessKeyId: z.string().optional(),
  Username: z.string().optional(),
  ReadOnly: z.string().optional(),
  CloudTrailEvent: z.string().optional(),
});
const Recorded = z.object({
  errorCode: z.string().optional(),
  requestParameters: z.record(z.string(), z.unknown()).nullable().optional(),
  responseElements: z.record(z.string(), z.unknown()).nullable().optional(),
});

function trailEventOf(raw: unknown): AwsTrailEvent {
  const event = LookedUp.parse(raw);
  let record: z.infer<typeof Recorded> = {};
  if (event.CloudTrailEvent) {
    const parsed = Recorded.safeParse(JSON.parse(event.CloudTrailEvent));
    if (parsed.success) record = parsed.data;
  }
  return {
    eventId: event.EventId,
    eventName: event.EventName,
    eventTime: event.EventTime.toISOString(),
    accessKeyId: event.AccessKeyId,
    username: event.Username,
    readOnly: event.ReadOnly === 'true',
    errorCode: record.errorCode,
    requestParameters: record.requestParameters,
    responseElements: record.responseElements,
  };
}

/** One account's CloudTrail, read one attribute a lookup over a window, every page, paced to its rate limit. */
function trailReader(
  cloudtrail: CloudTrailClient,
  window: { since: string; until?: string | undefined },
  reading: TrailReading,
) {
  const { paceMs, maxPages, throttleRetries } = { ...DEFAULTS, ...reading };
  const since = new Date(window.since);
  const until = window.until ? new Date(window.until) : undefined;
  if (Number.isNaN(since.getTime()) || (until && Number.isNaN(until.getTime()))) {
    throw new InvalidRequestError(`the trail's window is not a time: ${window.since} – ${window.until ?? 'now'}`);
  }
  let lookups = 0;
  let last = 0;
  let incomplete: string | undefined;
  const lookup = async (key: LookupAttributeKey, value: string): Promise<AwsTrailEvent[]> => {
    const events: AwsTrailEvent[] = [];
    let NextToken: string | undefined;
    for (let page = 0; page < maxPages; page += 1) {
      // Another reader in the account shares the limit: wait longer, a few times, before giving the retry to Temporal.
      const answer = await waitingOutThrottling(
        async () => {
          const wait = last + paceMs - Date.now();
          if (wait > 0) await sleep(wait);
          last = Date.now();
          const sent = await cloudtrail.send(
            new LookupEventsCommand({
              LookupAttributes: [{ AttributeKey: key, AttributeValue: value }],
              StartTime: since,
              ...(until ? { EndTime: until } : {}),
              ...(NextToken ? { NextToken } : {}),
            }),
            { abortSignal: activityCancellation() },
          );
          return sent;
        },
        { retries: throttleRetries, backoffMs: (attempt) => paceMs * 2 ** (attempt + 1), classify: classifyAwsError },
      );
      lookups += 1;
      events.push(...(answer.Events ?? []).map(trailEventOf));
      NextToken = answer.NextToken;
      if (!NextToken) return events;
    }
    incomplete ??= `the lookup of ${key} ${value} has more than ${maxPages} pages: only the first ${maxPages * 50} events were read`;
    return events;
  };
  return { lookup, lookups: () => lookups, incomplete: () => incomplete };
}

/**
 * Reads what the incident's credentials did in one account: one CloudTrail lookup per access key id and per user
 * (CloudTrail takes one attribute a lookup), every page, paced to its rate limit; then the same for every key and
 * session those calls made, so what the attacker did with a backdoor key is found too. Each event once, oldest
 * first; the findings are what persists.
 */
export async function readAwsTrail(
  cloudtrail: CloudTrailClient,
  request: AwsSweepRequest,
  reading: TrailReading = {},
): Promise<AwsSweep> {
  const { maxCredentials } = { ...DEFAULTS, ...reading };
  const trail = trailReader(cloudtrail, request, reading);
  const events: AwsTrailEvent[] = [];
  const queue = [...new Set(request.accessKeyIds)];
  const queued = new Set(queue);
  let followed = 0;
  for (const userName of new Set(request.userNames)) events.push(...(await trail.lookup('Username', userName)));
  // The users' own events can name keys they made too.
  const follow = (read: AwsTrailEvent[]) => {
    for (const event of read) {
      const made = awsFindingOf(event, request.accountId)?.accessKeyId;
      if (made && !queued.has(made)) {
        queued.add(made);
        queue.push(made);
      }
    }
  };
  follow(events);
  while (queue.length && followed < maxCredentials) {
    followed += 1;
    const read = await trail.lookup('AccessKeyId', queue.shift() as string);
    events.push(...read);
    // Keys and sessions these calls made: what they did next is the attacker's too.
    follow(read);
  }
  const skipped = queue.length
    ? `${queue.length} more keys or sessions were made than the sweep follows (${maxCredentials}): ${queue.slice(0, 5).join(', ')}`
    : undefined;
  return sweepOf(request.accountId, events, trail.lookups(), trail.incomplete() ?? skipped);
}

/**
 * What the watched credentials did in one account since the cut-off: one lookup per access key id and per user.
 * Every call found is a hit; one CloudTrail refused (an AccessDenied under Revoker's deny) is an attempt.
 * CloudTrail records no call made with a deactivated or deleted key (it fails before authentication): for those
 * keys, silence is what containment looks like.
 */
export async function watchAwsTrail(
  cloudtrail: CloudTrailClient,
  request: WatchRequest,
  reading: TrailReading = {},
): Promise<ProviderWatch> {
  const trail = trailReader(cloudtrail, request, reading);
  const hits: WatchHit[] = [];
  const seen = new Set<string>();
  for (const credential of request.credentials) {
    if (credential.provider !== 'aws' || credential.scope !== request.scope) continue;
    if (credential.kind !== 'accessKey' && credential.kind !== 'user') continue;
    const read = await trail.lookup(credential.kind === 'accessKey' ? 'AccessKeyId' : 'Username', credential.id);
    for (const event of read) {
      if (seen.has(event.eventId)) continue;
      seen.add(event.eventId);
      hits.push({ credential, entry: awsTimelineEntry(event), refused: event.errorCode !== undefined });
    }
  }
  hits.sort((a, b) => Date.parse(a.entry.at) - Date.parse(b.entry.at));
  const incomplete = trail.incomplete();
  return {
    provider: 'aws',
    scope: request.scope,
    hits,
    lookups: trail.lookups(),
    ...(incomplete ? { incomplete } : {}),
  };
}
