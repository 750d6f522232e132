export declare const GO_TOOLS: Record<string, { env: string; module: string }>;
export declare function toolVersion(name: string): string;
export declare function cacheDir(name: string): string;
export declare function ensureGoTool(name: string): string;
