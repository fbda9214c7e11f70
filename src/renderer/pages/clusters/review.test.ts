import { describe, expect, it } from 'vitest';
import { EMPTY_DRAFT, withMachine, type Draft } from './draft';
import { editConfig, generateConfigs, kvSummary, readyToCreate, withEdits } from './review';
import { addresses } from './testkit';

const draft = (more: Partial<Draft>): Draft => ({ ...EMPTY_DRAFT, name: 'demo', ...more });

describe('review', () => {
  it('generates each machine’s cloud-config with its real address and metadata', () => {
    const d = withMachine(draft({ machines: '2', members: '1' }), 1, (m) => ({
      ...m,
      metadata: { role: 'db' },
    }));
    const [one, two] = generateConfigs(d, addresses(2));
    expect(one?.text).toMatch(/^#cloud-config/);
    expect(one?.text).toContain('hostname: core-01');
    expect(one?.text).toContain('http://10.99.3.101:2379');
    expect(two?.text).toContain('10.99.3.102');
    expect(two?.text).toContain('role=db');
    expect(two?.text).not.toContain('$public_ipv4');
    expect([one?.errors, two?.errors]).toEqual([0, 0]);
  });

  it('says why a config cannot be generated when the user-data is broken', () => {
    const [m] = generateConfigs(
      draft({ machines: '1', userData: { text: '#cloud-config\n: :\n', file: 'u' } }),
      addresses(1),
    );
    expect(m?.generated).toBeUndefined();
    expect(m?.problem).toMatch(/user-data has errors/);
    expect(readyToCreate([m!])).toBe(false);
  });

  it('lays edits over the generated configs, checked, and an edit back to the generated text is none', () => {
    const generated = generateConfigs(draft({ machines: '2' }), addresses(2));
    let d = editConfig(
      draft({ machines: '2' }),
      'core-02',
      '#cloud-config\nhostname: [\n',
      generated[1]?.generated,
    );
    const configs = withEdits(generated, d.edited);
    expect(configs.map((m) => m.edited)).toEqual([false, true]);
    expect(configs[1]?.errors).toBeGreaterThan(0);
    expect(readyToCreate(configs)).toBe(false);
    d = editConfig(d, 'core-02', generated[1]?.generated as string, generated[1]?.generated);
    expect(d.edited).toEqual({});
  });

  it('sums up where the state is kept: embedded members with or without TLS, or the external etcd', () => {
    expect(kvSummary(draft({}))).toBe('3 embedded KV members on core-01 … core-03, without TLS.');
    expect(kvSummary(draft({ machines: '1', tls: true }))).toBe(
      '1 embedded KV member on core-01, secured with TLS (client certificates).',
    );
    expect(
      kvSummary(
        draft({
          kv: 'external',
          etcd: {
            ...EMPTY_DRAFT.etcd,
            endpoints: 'https://a:2379,https://b:2379',
            caCert: { text: '', file: 'ca.pem' },
            username: 'alice',
            password: 'x',
          },
        }),
      ),
    ).toBe(
      'The existing etcd at https://a:2379, https://b:2379, keys under /flotilla/demo/; CA certificate ca.pem; user alice with a password.',
    );
  });
});
