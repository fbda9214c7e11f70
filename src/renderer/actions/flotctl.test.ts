import { describe, expect, it } from 'vitest';
import { flotctl, shellQuote } from './flotctl';

describe('flotctl command lines', () => {
  it('leaves plain words alone and quotes the rest for a POSIX shell', () => {
    expect(shellQuote('hello@1.service')).toBe('hello@1.service');
    expect(shellQuote('role=web,az=1')).toBe('role=web,az=1');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('Thu 04:00')).toBe("'Thu 04:00'");
    expect(shellQuote("it's $HOME;rm")).toBe(`'it'\\''s $HOME;rm'`);
  });

  it('drops absent arguments', () => {
    expect(flotctl('move', 'hello.service', 'core-02', undefined, false)).toBe(
      'flotctl move hello.service core-02',
    );
    expect(flotctl('cluster', 'create', 'demo', '--machines', 3)).toBe(
      'flotctl cluster create demo --machines 3',
    );
  });
});
