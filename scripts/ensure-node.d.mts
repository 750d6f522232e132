export declare const NODE_VERSION: string;
export declare function cacheDir(version?: string): string;
export declare function nodePackage(version?: string, platform?: string, arch?: string): string;
export declare function checkNode(path: string, version?: string): string | undefined;
export declare function ensureNode(): string;
