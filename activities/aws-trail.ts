import { LookupEventsCommand, type CloudTrailClient, type LookupAttributeKey } from '@aws-sdk/client-cloudtrail';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { awsFindingOf, sweepOf, type AwsSweep, type AwsTrailEvent } from '../domain/sweep.js';
import { classifyAwsError } from './aws-errors.js';
import { activityCancellation } from './cancellation.js';
import { InvalidRequestError, ThrottledError } from './errors.js';

/** What to look for in one account's CloudTrail: the incident's credentials and users, over its window. */
export interface AwsSweepRequest {
  accountId: string;
  /** The stolen keys (AKIA…) and any session keys (ASIA…) already known. */
  accessKeyIds: string[];
  userNames: string[];
  /** The window's start (ISO 8601): CloudTrail's event history reaches back 90 days. */
  since: string;
  until?: string;
}

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
  const { paceMs, maxCredentials, maxPages, throttleRetries } = { ...DEFAULTS, ...reading };
  const since = new Date(request.since);
  const until = request.until ? new Date(request.until) : undefined;
  if (Number.isNaN(since.getTime()) || (until && Number.isNaN(until.getTime()))) {
    throw new InvalidRequestError(`the sweep's window is not a time: ${request.since} – ${request.until ?? 'now'}`);
  }
  const events: AwsTrailEvent[] = [];
  let lookups = 0;
  let last = 0;
  const lookup = async (key: LookupAttributeKey, value: string) => {
    let NextToken: string | undefined;
    for (let page = 0; page < maxPages; page += 1) {
      for (let attempt = 0; ; attempt += 1) {
        const wait = last + paceMs - Date.now();
        if (wait > 0) await sleep(wait);
        last = Date.now();
        try {
          const answer = await cloudtrail.send(
            new LookupEventsCommand({
              LookupAttributes: [{ AttributeKey: key, AttributeValue: value }],
              StartTime: since,
              ...(until ? { EndTime: until } : {}),
              ...(NextToken ? { NextToken } : {}),
            }),
            { abortSignal: activityCancellation() },
          );
          lookups += 1;
          events.push(...(answer.Events ?? []).map(trailEventOf));
          NextToken = answer.NextToken;
          break;
        } catch (error) {
          const classified = classifyAwsError(error);
          // Another reader in the account shares the limit: wait longer, a few times, before giving the retry to Temporal.
          if (classified instanceof ThrottledError && attempt < throttleRetries) {
            await sleep(paceMs * 2 ** (attempt + 1));
            continue;
          }
          throw classified ?? error;
        }
      }
      if (!NextToken) return;
    }
  };
  const queue = [...new Set(request.accessKeyIds)];
  const queued = new Set(queue);
  let followed = 0;
  let scanned = 0;
  for (const userName of new Set(request.userNames)) await lookup('Username', userName);
  while (queue.length && followed < maxCredentials) {
    followed += 1;
    await lookup('AccessKeyId', queue.shift() as string);
    // Keys and sessions the calls read since made: what they did next is the attacker's too.
    for (const event of events.slice(scanned)) {
      const made = awsFindingOf(event, request.accountId)?.accessKeyId;
      if (made && !queued.has(made)) {
        queued.add(made);
        queue.push(made);
      }
    }
    scanned = events.length;
  }
  return sweepOf(request.accountId, events, lookups);
}
