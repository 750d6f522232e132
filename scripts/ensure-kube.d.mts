export interface KubeBinaries {
  kubeApiserver: string;
  kubeControllerManager: string;
  etcd: string;
}
export declare const KUBE_VERSION: string;
export declare const MIN_ETCD: number[];
export declare const MIN_KUBE: number[];
export declare const TOOLS_DIR: string;
export declare const BINARIES: Record<keyof KubeBinaries, { file: string; env: string; pkg: string; built?: string }>;
export declare function cacheDir(): string;
export declare function parseKubeVersion(text: string): number[] | undefined;
export declare function parseEtcdVersion(text: string): number[] | undefined;
export declare function checkBinary(name: keyof KubeBinaries, path: string): string | undefined;
export declare function buildStamp(): { version: string; inputs: string };
export declare function findCachedKube(dir?: string): KubeBinaries | undefined;
export declare function buildKube(dir?: string): Promise<void>;
export declare function ensureKube(): Promise<KubeBinaries>;
