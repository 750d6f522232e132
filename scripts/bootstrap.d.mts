export declare const ROOT: string;
export declare function ensureNodeModules(): void;
export declare function ensureSandboxCa(): { dir: string; certFile: string };
