// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessStep, addKeys, keySummary } from './AccessStep';
import { renderStep } from './testkit';
import { accessErrors } from './validate';

afterEach(cleanup);
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFlotillaKey0000000000 alice@laptop';
const RSA = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0000000000 bob@desk';

describe('addKeys', () => {
  it('adds every key of a pasted block, skips known ones and names the line of a bad one', () => {
    expect(addKeys([], `${KEY}\n\n${RSA}\n`, 'keys.pub')).toEqual({
      keys: [
        { key: KEY, file: 'keys.pub' },
        { key: RSA, file: 'keys.pub' },
      ],
    });
    expect(addKeys([{ key: KEY, file: 'a.pub' }], KEY, 'b.pub')).toEqual({
      error: 'This key is in the list already',
    });
    expect(addKeys([], `${KEY}\nnot a key`, 'k.pub')).toEqual({
      error: expect.stringMatching(/^Line 2: Not an SSH public key/),
    });
  });
  it('shortens keys for display', () => {
    expect(keySummary(KEY)).toBe('ssh-ed25519 AAAAC3Nz…000000 alice@laptop');
  });
});

describe('AccessStep', () => {
  it('adds a pasted key, says why a bad one is refused, and removes keys', async () => {
    const user = userEvent.setup();
    const { draft } = renderStep(AccessStep, accessErrors);
    const field = screen.getByRole('textbox', { name: 'SSH public key' });
    await user.type(field, '-----BEGIN OPENSSH PRIVATE KEY-----');
    await user.click(screen.getByRole('button', { name: 'Add key' }));
    expect(screen.getByRole('textbox', { name: 'SSH public key', description: /private key/ })).toBe(field);
    await user.clear(field);
    await user.click(field);
    await user.paste(KEY);
    await user.click(screen.getByRole('button', { name: 'Add key' }));
    expect(draft().sshKeys).toEqual([{ key: KEY, file: 'ssh-key-1.pub' }]);
    expect((field as HTMLTextAreaElement).value).toBe('');
    await user.click(screen.getByRole('button', { name: `Remove key ${keySummary(KEY)}` }));
    expect(draft().sshKeys).toEqual([]);
  });

  it('loads a .pub file under its name', async () => {
    const user = userEvent.setup();
    const { draft } = renderStep(AccessStep, accessErrors);
    await user.upload(screen.getByLabelText('Load .pub file'), new File([`${RSA}\n`], 'id_rsa.pub'));
    await screen.findByText(keySummary(RSA));
    expect(draft().sshKeys).toEqual([{ key: RSA, file: 'id_rsa.pub' }]);
  });
});
