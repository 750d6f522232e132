export interface TemporalServerParts {
  /** temporal-server (go.temporal.io/server/cmd/server): every service in one process. */
  server: string;
  /** temporal-sql-tool (go.temporal.io/server/cmd/tools/sql). */
  sqlTool: string;
  /** The release's schema/postgresql/v12: temporal/versioned and visibility/versioned. */
  schemaDir: string;
  /** PostgreSQL's bin directory, and the account to run it as when this process is root. */
  postgres: { bin: string; user?: string };
}
export type PostgresPlan =
  | { use: string; install?: never; fail?: never }
  | { install: string; use?: never; fail?: never }
  | { fail: string; use?: never; install?: never };
export declare const SERVER_MODULE: string;
export declare const SERVER_TAG: string;
export declare const MIN_SERVER: number[];
export declare const POSTGRES_ROOT: string;
export declare const SCHEMA: string;
export declare const BINARIES: Record<'server' | 'sqlTool', { file: string; env: string; pkg: string; built: string }>;
export declare function cacheDir(): string;
export declare function parseServerVersion(text: string): number[] | undefined;
export declare function checkBinary(path: string): string | undefined;
export declare function planPostgres(facts: {
  majors: string[];
  exists: (path: string) => boolean;
  isRoot: boolean;
  aptGet: string | undefined;
}): PostgresPlan;
export declare function ensurePostgres(): { bin: string; user?: string };
export declare function findCachedServer(dir?: string): Omit<TemporalServerParts, 'postgres'> | undefined;
export declare function buildServer(dir?: string): void;
export declare function ensureTemporalServer(): TemporalServerParts;
