import { expect, test } from '@playwright/test';
import { startServe, type Served } from './serve';

let served: Served;
test.beforeAll(async () => {
  served = await startServe();
});
test.afterAll(async () => {
  await served?.stop();
});

test('without the token every request gets 401 and nothing else', async ({ request }) => {
  for (const path of ['/', '/index.html', '/assets/whatever.js', '/api/v1/call/docker.status']) {
    const res = await request.fetch(served.origin + path, {
      method: path.includes('/api/') ? 'POST' : 'GET',
      maxRedirects: 0,
    });
    expect(res.status(), path).toBe(401);
    expect(await res.text()).not.toContain('<html');
    expect(res.headers()['set-cookie']).toBeUndefined();
  }
  const wrong = await request.post(`${served.origin}/api/v1/call/docker.status`, {
    headers: { Authorization: 'Bearer nope' },
  });
  expect(wrong.status()).toBe(401);
});

test('a WebSocket without the token is refused', async ({ page }) => {
  await page.goto('about:blank');
  const outcome = await page.evaluate(async (origin) => {
    return new Promise<string>((resolve) => {
      const ws = new WebSocket(origin.replace('http', 'ws') + '/api/v1/ws');
      ws.onopen = () => resolve('open');
      ws.onerror = () => resolve('refused');
    });
  }, served.origin);
  expect(outcome).toBe('refused');
});

test('with the token: calls answer, and bad input gets a typed error naming the field', async ({
  request,
}) => {
  const auth = { Authorization: `Bearer ${served.token}` };
  const ok = await request.post(`${served.origin}/api/v1/call/app.info`, { headers: auth, data: {} });
  expect(ok.status()).toBe(200);
  expect((await ok.json()).result).toMatchObject({ product: 'Flotilla', mode: 'serve' });

  const unknown = await request.post(`${served.origin}/api/v1/call/no.such`, { headers: auth, data: {} });
  expect(unknown.status()).toBe(404);
  expect((await unknown.json()).error).toMatchObject({
    code: 'NOT_FOUND',
    message: "unknown API call 'no.such'",
  });

  const bad = await request.post(`${served.origin}/api/v1/call/tasks.get`, {
    headers: auth,
    data: { id: 7 },
  });
  expect(bad.status()).toBe(400);
  const body = await bad.json();
  expect(body.error.code).toBe('BAD_REQUEST');
  expect(body.error.message).toMatch(/^invalid params of tasks\.get: id: /);

  const notJson = await request.post(`${served.origin}/api/v1/call/app.info`, {
    headers: { ...auth, 'Content-Type': 'application/json' },
    data: Buffer.from('{nope'),
  });
  expect(notJson.status()).toBe(400);
  expect((await notJson.json()).error.message).toMatch(/not valid JSON/);
});

test('a foreign Host header is refused (DNS rebinding)', async ({ request }) => {
  const res = await request.get(served.url, { headers: { Host: 'evil.example:80' }, maxRedirects: 0 });
  expect(res.status()).toBe(403);
});
