export declare const DEBIAN_CHROMIUM: string;
export type ChromiumPlan =
  | { use: string; install?: never; fail?: never }
  | { install: string; use?: never; fail?: never }
  | { fail: string; use?: never; install?: never };
export declare function planChromium(facts: {
  chromiumPath: string | undefined;
  exists: (path: string) => boolean;
  isRoot: boolean;
  aptGet: string | undefined;
}): ChromiumPlan;
export declare function ensureChromium(env?: NodeJS.ProcessEnv): string;
