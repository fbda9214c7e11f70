import { describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../../shared/api';
import {
  etcdctlDel,
  etcdctlGet,
  etcdctlLease,
  etcdctlMembers,
  etcdctlPut,
  etcdctlTarget,
  leaseHex,
  type EtcdctlTarget,
} from './etcdctl';

const EP: EtcdctlTarget = { endpoints: ['127.0.0.1:23791', '127.0.0.1:23792'] };
const NONE: EtcdctlTarget = { endpoints: [] };

describe('etcdctl lines', () => {
  it('names the endpoints and quotes what the shell would split', () => {
    expect(etcdctlGet(EP, '/a/b')).toBe('etcdctl --endpoints=127.0.0.1:23791,127.0.0.1:23792 get /a/b');
    expect(etcdctlPut(NONE, '/greeting', "it's here")).toBe(`etcdctl put /greeting 'it'\\''s here'`);
    expect(etcdctlDel(EP, '/my key')).toBe(
      "etcdctl --endpoints=127.0.0.1:23791,127.0.0.1:23792 del '/my key'",
    );
  });

  it('ends flags before keys and values that start with a dash', () => {
    expect(etcdctlPut(NONE, 'k', '-1')).toBe('etcdctl put -- k -1');
    expect(etcdctlGet(NONE, '-k')).toBe('etcdctl get -- -k');
  });

  it('gives lease ids in hex as etcdctl takes them', () => {
    expect(leaseHex('7587868584323469316')).toBe('694d864672f25004');
    expect(etcdctlPut(NONE, 'k', 'v', { lease: '255' })).toBe('etcdctl put --lease=ff k v');
    expect(etcdctlLease(NONE, '255')).toBe('etcdctl lease timetolive ff --keys');
  });

  it('pipes a binary value through base64 -d', () => {
    expect(etcdctlPut(NONE, 'k', 'AAE=', { binary: true })).toBe('echo AAE= | base64 -d | etcdctl put k');
  });

  it('gives the TLS files of embedded members with TLS', () => {
    const tls: EtcdctlTarget = {
      endpoints: ['127.0.0.1:23791'],
      tls: {
        caFile: '/data/dev/ca.pem',
        certFile: '/data/dev/client.pem',
        keyFile: '/data/dev/client key.pem',
      },
    };
    expect(etcdctlGet(tls, '/a')).toBe(
      "etcdctl --endpoints=127.0.0.1:23791 --cacert=/data/dev/ca.pem --cert=/data/dev/client.pem '--key=/data/dev/client key.pem' get /a",
    );
    expect(etcdctlMembers(tls)).toBe(
      "etcdctl --endpoints=127.0.0.1:23791 --cacert=/data/dev/ca.pem --cert=/data/dev/client.pem '--key=/data/dev/client key.pem' endpoint status --cluster -w table",
    );
  });

  it('names keys of an external etcd with their prefix', () => {
    const ext: EtcdctlTarget = { endpoints: ['https://10.0.0.5:2379'], prefix: '/flotilla/dev/' };
    expect(etcdctlGet(ext, '/app/config')).toBe(
      'etcdctl --endpoints=https://10.0.0.5:2379 get /flotilla/dev//app/config',
    );
    expect(etcdctlPut(ext, 'greeting', '-1')).toBe(
      'etcdctl --endpoints=https://10.0.0.5:2379 put -- /flotilla/dev/greeting -1',
    );
    expect(etcdctlDel(ext, 'x')).toBe('etcdctl --endpoints=https://10.0.0.5:2379 del /flotilla/dev/x');
  });
});

describe('etcdctlTarget', () => {
  const cluster: ClusterInfo = {
    name: 'dev',
    active: true,
    state: 'running',
    machines: 3,
    endpoints: ['127.0.0.1:23791'],
  };
  it('takes the members’ endpoints, with their TLS files when there are some', () => {
    expect(etcdctlTarget(cluster)).toEqual({ endpoints: ['127.0.0.1:23791'] });
    const tls = { caFile: 'ca', certFile: 'c', keyFile: 'k' };
    expect(etcdctlTarget({ ...cluster, kv: { kind: 'embedded', tls } })).toEqual({
      endpoints: ['127.0.0.1:23791'],
      tls,
    });
    expect(etcdctlTarget(undefined)).toEqual({ endpoints: [] });
  });
  it('takes an external etcd’s endpoints and prefix', () => {
    expect(
      etcdctlTarget({
        ...cluster,
        kv: { kind: 'external', endpoints: ['https://e:2379'], prefix: '/p/', tls: true, auth: false },
      }),
    ).toEqual({ endpoints: ['https://e:2379'], prefix: '/p/' });
  });
  it('gives an external etcd’s etcdctl lines the PEM files that were given and the user, never a password', () => {
    const t = etcdctlTarget({
      ...cluster,
      kv: {
        kind: 'external',
        endpoints: ['https://e:2379'],
        prefix: '/p/',
        tls: true,
        auth: true,
        caFile: '/d/etcd/ca.pem',
        username: 'flotilla',
      },
    });
    expect(t).toEqual({
      endpoints: ['https://e:2379'],
      prefix: '/p/',
      tls: { caFile: '/d/etcd/ca.pem' },
      user: 'flotilla',
    });
    expect(etcdctlGet(t, 'k')).toBe(
      'etcdctl --endpoints=https://e:2379 --cacert=/d/etcd/ca.pem --user=flotilla get /p/k',
    );
  });
});
