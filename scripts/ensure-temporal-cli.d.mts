export declare const CLI_MODULE: string;
export declare const CLI_TAG: string;
export declare function cacheDir(): string;
export declare function parseVersion(
  text: string,
): { server: number[]; ui: string | undefined; text: string } | undefined;
export declare function checkCli(path: string): string | undefined;
export declare function ensureTemporalCli(): string;
