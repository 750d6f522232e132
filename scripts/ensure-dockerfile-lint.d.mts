export declare const TOOL_DIR: string;
export declare const BUILDKIT_MODULE: string;
export declare function buildkitVersion(): string;
export declare function cacheDir(): string;
export declare function ensureDockerfileLint(): string;
