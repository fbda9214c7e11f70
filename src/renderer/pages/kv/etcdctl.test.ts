import { describe, expect, it } from 'vitest';
import { etcdctlDel, etcdctlGet, etcdctlLease, etcdctlPut, leaseHex } from './etcdctl';

const EP = ['127.0.0.1:23791', '127.0.0.1:23792'];

describe('etcdctl lines', () => {
  it('names the endpoints and quotes what the shell would split', () => {
    expect(etcdctlGet(EP, '/a/b')).toBe('etcdctl --endpoints=127.0.0.1:23791,127.0.0.1:23792 get /a/b');
    expect(etcdctlPut([], '/greeting', "it's here")).toBe(`etcdctl put /greeting 'it'\\''s here'`);
    expect(etcdctlDel(EP, '/my key')).toBe(
      "etcdctl --endpoints=127.0.0.1:23791,127.0.0.1:23792 del '/my key'",
    );
  });

  it('ends flags before keys and values that start with a dash', () => {
    expect(etcdctlPut([], 'k', '-1')).toBe('etcdctl put -- k -1');
    expect(etcdctlGet([], '-k')).toBe('etcdctl get -- -k');
  });

  it('gives lease ids in hex as etcdctl takes them', () => {
    expect(leaseHex('7587868584323469316')).toBe('694d864672f25004');
    expect(etcdctlPut([], 'k', 'v', { lease: '255' })).toBe('etcdctl put --lease=ff k v');
    expect(etcdctlLease([], '255')).toBe('etcdctl lease timetolive ff --keys');
  });

  it('pipes a binary value through base64 -d', () => {
    expect(etcdctlPut([], 'k', 'AAE=', { binary: true })).toBe('echo AAE= | base64 -d | etcdctl put k');
  });
});
