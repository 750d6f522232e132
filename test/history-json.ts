import proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root.js';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

type History = proto.temporal.api.history.v1.IHistory;
interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): History | null;
}

// The SDK's own historyToJSON/historyFromJSON (@temporalio/common/lib/proto-utils) throw "type must
// be a Type" in this install: npm gives @temporalio/common and @temporalio/proto separate copies of
// protobufjs 8 (grpc's proto-loader keeps protobufjs 7 at the top), and protojson checks the type
// with instanceof. These are the same two calls, made with the protobufjs that built the types.
const protojson = createRequire(createRequire(import.meta.url).resolve('@temporalio/proto'))(
  'protobufjs/ext/protojson',
) as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
  'temporal.api.history.v1.History',
);

/** A history (e.g. from `handle.fetchHistory()`) as the proto3 JSON Temporal's tools export and read. */
export function historyToJSON(history: History): string {
  return JSON.stringify(
    protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)),
    null,
    2,
  );
}

/** The reverse of historyToJSON, ready for `Worker.runReplayHistory`. */
export function historyFromJSON(json: unknown): History {
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (!history?.events?.length) throw new TypeError('not a workflow history: no events');
  return history;
}

/**
 * The payload key histories are recorded with (scripts/record-histories.ts) and replayed with: it
 * encrypts sandbox data only, so it is no secret. Histories recorded before the codec hold plain
 * payloads, which pass through it.
 */
export const HISTORY_PAYLOAD_KEYS_FILE = fileURLToPath(new URL('./histories/payload-keys', import.meta.url));
