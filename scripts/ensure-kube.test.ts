import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  BINARIES,
  buildStamp,
  checkBinary,
  findCachedKube,
  KUBE_VERSION,
  parseEtcdVersion,
  parseKubeVersion,
} from './ensure-kube.mjs';

function fakeBinary(dir: string, name: string, output: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\necho '${output}'\n`, { mode: 0o755 });
  return path;
}

const scratch = (): string => mkdtempSync(join(tmpdir(), 'fake-kube-'));

describe('Kubernetes control plane provisioning', () => {
  it('reads the versions kube-apiserver, kube-controller-manager and etcd print', () => {
    assert.deepEqual(parseKubeVersion('Kubernetes v1.37.2'), [1, 37, 2]);
    assert.equal(parseKubeVersion('Kubernetes v0.0.0-master+$Format:%H$')?.join('.'), '0.0.0');
    assert.deepEqual(parseEtcdVersion('etcd Version: 3.7.0\nGit SHA: GitNotFound\nGo Version: go1.26.8'), [3, 7, 0]);
    assert.equal(parseEtcdVersion('hello'), undefined);
  });

  it('accepts recent binaries and explains old or foreign ones', () => {
    const dir = scratch();
    assert.equal(checkBinary('kubeApiserver', fakeBinary(dir, 'a', 'Kubernetes v1.37.2')), undefined);
    assert.match(checkBinary('kubeApiserver', fakeBinary(dir, 'b', 'Kubernetes v1.29.0')) ?? '', /needs 1\.34\.0/);
    assert.match(
      checkBinary('kubeControllerManager', fakeBinary(dir, 'c', 'Kubernetes v0.0.0-master')) ?? '',
      /Kubernetes 0\.0\.0/,
    );
    assert.equal(checkBinary('etcd', fakeBinary(dir, 'd', 'etcd Version: 3.5.21')), undefined);
    assert.match(checkBinary('etcd', fakeBinary(dir, 'e', 'etcd Version: 3.4.23')) ?? '', /needs 3\.5\.0/);
    assert.match(checkBinary('etcd', fakeBinary(dir, 'f', 'hello')) ?? '', /names no etcd version/);
    assert.match(checkBinary('etcd', '/nonexistent/etcd') ?? '', /could not run/);
  });

  it('uses a cache only when it was built from the committed go.mod and go.sum', () => {
    const dir = scratch();
    mkdirSync(join(dir, 'bin'));
    fakeBinary(join(dir, 'bin'), BINARIES.kubeApiserver.file, `Kubernetes ${KUBE_VERSION}`);
    fakeBinary(join(dir, 'bin'), BINARIES.kubeControllerManager.file, `Kubernetes ${KUBE_VERSION}`);
    fakeBinary(join(dir, 'bin'), BINARIES.etcd.file, 'etcd Version: 3.7.0');
    writeFileSync(join(dir, 'build.json'), JSON.stringify({ version: KUBE_VERSION, inputs: 'another go.sum' }));
    assert.equal(findCachedKube(dir), undefined);
    writeFileSync(join(dir, 'build.json'), JSON.stringify(buildStamp()));
    assert.deepEqual(findCachedKube(dir), {
      kubeApiserver: join(dir, 'bin', 'kube-apiserver'),
      kubeControllerManager: join(dir, 'bin', 'kube-controller-manager'),
      etcd: join(dir, 'bin', 'etcd'),
    });
  });

  it('honours KUBE_APISERVER_PATH, KUBE_CONTROLLER_MANAGER_PATH and ETCD_PATH and says what is wrong with them', () => {
    const script = join(import.meta.dirname, 'ensure-kube.mjs');
    const dir = scratch();
    const env = {
      ...process.env,
      KUBE_APISERVER_PATH: fakeBinary(dir, 'kube-apiserver', 'Kubernetes v1.37.2'),
      KUBE_CONTROLLER_MANAGER_PATH: fakeBinary(dir, 'kube-controller-manager', 'Kubernetes v1.37.2'),
      ETCD_PATH: fakeBinary(dir, 'etcd', 'etcd Version: 3.7.0'),
    };
    const ok = spawnSync(process.execPath, [script], { env, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), {
      kubeApiserver: env.KUBE_APISERVER_PATH,
      kubeControllerManager: env.KUBE_CONTROLLER_MANAGER_PATH,
      etcd: env.ETCD_PATH,
    });
    const bad = spawnSync(process.execPath, [script], { env: { ...env, ETCD_PATH: '/nonexistent' }, encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /ETCD_PATH is set but unusable/);
  });
});
