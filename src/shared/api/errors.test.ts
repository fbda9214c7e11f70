import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError, fromZodError, httpStatusOf } from './errors';
import { calls } from './contract';

describe('API errors', () => {
  it('names the offending field of a bad payload', () => {
    const r = calls['docker.seedImage'].params.safeParse({ tag: 'UPPER CASE!', offline: 'yes' });
    expect(r.success).toBe(false);
    if (r.success) return;
    const e = fromZodError(r.error, 'params of docker.seedImage');
    expect(e.code).toBe('BAD_REQUEST');
    expect(e.message).toMatch(/^invalid params of docker\.seedImage: tag: must be a docker image reference/);
    expect(e.message).toMatch(/\(and 1 more\)$/);
    expect((e.details as { issues: { field: string }[] }).issues.map((i) => i.field)).toEqual([
      'tag',
      'offline',
    ]);
  });

  it('refuses unknown fields instead of ignoring them', () => {
    const r = calls['tasks.list'].params.safeParse({ surprise: 1 });
    expect(r.success).toBe(false);
  });

  it('round-trips through the envelope body and keeps the hint', () => {
    const e = new ApiError('ENGINE_UNAVAILABLE', 'no engine', { hint: 'start it' });
    const back = ApiError.fromBody(JSON.parse(JSON.stringify(e.toBody())));
    expect(back).toBeInstanceOf(ApiError);
    expect([back.code, back.message, back.hint]).toEqual(['ENGINE_UNAVAILABLE', 'no engine', 'start it']);
  });

  it('turns anything thrown into an ApiError', () => {
    expect(ApiError.from(new Error('boom'))).toMatchObject({ code: 'INTERNAL', message: 'boom' });
    expect(ApiError.from(z.object({ a: z.string() }).safeParse({}).error)).toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(httpStatusOf('NOT_FOUND')).toBe(404);
    expect(httpStatusOf('ENGINE_UNAVAILABLE')).toBe(503);
  });
});
