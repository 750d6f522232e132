export declare const ROOT: string;
export declare function ensureNodeModules(): void;
