import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';

/** The webhook's HTTPS files, PEM: its certificate chain and key, and the CA its clients' certificates chain to. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** Set: the server asks each client for a certificate and verifies it against this CA (mutual TLS). */
  clientCaFile?: string | undefined;
}

/**
 * Reads and checks the files: the key must be the certificate's, and each must parse. Throws naming
 * the file and what is wrong, never the key's contents.
 */
export function readTlsFiles(files: TlsFiles): SecureContextOptions {
  const read = (what: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  };
  const cert = read('certificate file', files.certFile);
  const key = read('key file', files.keyFile);
  const ca = files.clientCaFile ? read('client CA file', files.clientCaFile) : undefined;
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw new Error(`${files.certFile} is not a PEM certificate`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new Error(`${files.keyFile} is not a PEM private key`);
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new Error(`${files.keyFile} is not the key of the certificate in ${files.certFile}`);
  }
  if (Date.parse(leaf.validTo) < Date.now())
    throw new Error(`the certificate in ${files.certFile} expired ${leaf.validTo}`);
  const options: SecureContextOptions = { cert, key, ...(ca ? { ca } : {}) };
  try {
    createSecureContext(options);
  } catch (error) {
    throw new Error(`cannot use ${files.certFile} with ${files.keyFile}: ${(error as Error).message}`);
  }
  return options;
}

/**
 * Watches the files and hands each new good set to `apply` (the server's setSecureContext): a renewed
 * certificate is served without a restart. A bad set (a key that is not the certificate's, a file
 * half written) is refused and logged, and the one in use keeps serving. The directories are
 * watched, not the files, so a replace by rename (certbot, a Kubernetes secret's symlink swap) is seen.
 */
export function watchTlsFiles(
  files: TlsFiles,
  apply: (options: SecureContextOptions) => void,
  logger: Pick<Logger, 'info' | 'warn'>,
  debounceMs = 200,
): { close(): void } {
  const paths = [files.certFile, files.keyFile, files.clientCaFile]
    .filter((p): p is string => !!p)
    .map((p) => resolve(p));
  const names = new Set(paths.map((p) => basename(p)));
  let last = paths.map((p) => safeRead(p)).join('\n');
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    timer = undefined;
    const now = paths.map((p) => safeRead(p)).join('\n');
    if (now === last) return;
    try {
      apply(readTlsFiles(files));
      last = now;
      logger.info({ cert: files.certFile }, 'TLS certificate reloaded');
    } catch (error) {
      logger.warn(
        { err: (error as Error).message },
        'refused the new TLS files: still serving the previous certificate',
      );
    }
  };
  const watchers: FSWatcher[] = [...new Set(paths.map((p) => dirname(p)))].map((dir) =>
    watch(dir, { persistent: false }, (_event, name) => {
      // A Kubernetes secret volume swaps a `..data` symlink: any change there may be ours.
      if (name && !names.has(name.toString()) && !name.toString().startsWith('..')) return;
      clearTimeout(timer);
      timer = setTimeout(reload, debounceMs);
    }),
  );
  return {
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
