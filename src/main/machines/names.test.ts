import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { environmentFile, metadataFile, osRelease, specFiles, tarOf } from './files';
import {
  assertClusterName,
  assertHostname,
  assertMetadata,
  containerName,
  networkName,
  newMachineId,
} from './names';

describe('machine names', () => {
  it('accepts the documented patterns and rejects the rest with BAD_REQUEST', () => {
    for (const ok of ['a', 'prod', 'my-cluster-1', 'a'.repeat(31), 'x-'])
      expect(() => assertClusterName(ok)).not.toThrow();
    for (const bad of ['', 'A', '-a', 'a_b', 'a'.repeat(32), 'a b', 'a.b', 7])
      expect(() => assertClusterName(bad)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    for (const ok of ['core-01', 'a', 'x1']) expect(() => assertHostname(ok)).not.toThrow();
    for (const bad of ['', 'Core-01', 'core_01', '-a', 'a-', 'a'.repeat(64), 'a;b'])
      expect(() => assertHostname(bad)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(networkName('prod')).toBe('flotilla-prod');
    expect(containerName('prod', 'core-01')).toBe('flotilla-prod-core-01');
    expect(newMachineId()).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keeps metadata one k=v per line', () => {
    expect(() => assertMetadata({ region: 'us east; $(x)' })).not.toThrow();
    expect(() => assertMetadata({ 'a=b': 'x' })).toThrow(/metadata key/);
    expect(() => assertMetadata({ a: 'x\nb=c' })).toThrow(/one line/);
    expect(metadataFile({ z: '1', a: 'x=y' })).toBe('a=x=y\nz=1\n');
  });
});

describe('machine files', () => {
  it('renders os-release and environment', () => {
    expect(osRelease('4459.2.1')).toContain('VERSION_ID=4459.2.1\n');
    expect(osRelease('4459.2.1')).toContain('ID=coreos\n');
    expect(environmentFile('10.0.0.2')).toBe('COREOS_PUBLIC_IPV4=10.0.0.2\nCOREOS_PRIVATE_IPV4=10.0.0.2\n');
  });

  it('packs files as a tar archive, contents verbatim', async () => {
    const buf = await tarOf(
      specFiles({ machineId: 'a'.repeat(32), channel: 'beta', metadata: { k: "$(rm -rf /) 'q'" } }),
    );
    const seen: Record<string, string> = {};
    await new Promise<void>((resolve, reject) => {
      const x = extract();
      x.on('entry', (h, stream, next) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: unknown) => {
          chunks.push(c as Buffer);
        });
        stream.on('end', () => {
          seen[h.name] = Buffer.concat(chunks).toString();
          next();
        });
      });
      x.on('finish', resolve);
      x.on('error', reject);
      x.end(buf);
    });
    expect(seen['etc/machine-id']).toBe(`${'a'.repeat(32)}\n`);
    expect(seen['etc/coreos/update.conf']).toBe('GROUP=beta\n');
    expect(seen['etc/flotilla/metadata']).toBe("k=$(rm -rf /) 'q'\n");
  });
});
