import { classifyStatus, type Fetch, postJson } from '../../../functions/alert/deliver';

const URL = 'https://hooks.slack.com/services/T000/B000/secret-path-XXXX';
const answering =
  (status: number, body = ''): Fetch =>
  () =>
    Promise.resolve(new Response(body, { status }));

describe('classifyStatus', () => {
  it.each([
    [200, 'sent'],
    [202, 'sent'],
    [400, 'permanent'],
    [403, 'permanent'],
    [404, 'permanent'],
    [410, 'permanent'],
    [408, 'transient'],
    [429, 'transient'],
    [500, 'transient'],
    [503, 'transient'],
  ])('HTTP %d is %s', (status, kind) => {
    expect(classifyStatus(status)).toBe(kind);
  });
});

describe('postJson', () => {
  it('POSTs the body as JSON with a timeout signal', async () => {
    const fetchFn = jest.fn(answering(200, 'ok'));

    const result = await postJson(URL, { text: 'hi' }, { fetchFn });

    expect(result).toEqual({ kind: 'sent', status: 200 });
    expect(fetchFn).toHaveBeenCalledWith(URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"hi"}',
      signal: expect.any(AbortSignal),
    });
  });

  it('reports a refused hook as permanent, by its status only', async () => {
    const result = await postJson(URL, {}, { fetchFn: answering(404, 'no_service') });

    expect(result).toEqual({ kind: 'permanent', status: 404, error: 'HTTP 404' });
  });

  it('never carries the body of an answer, which a proxy error page can fill with the URL', async () => {
    const page = `<html><body>502 Bad Gateway: ${URL} did not answer</body></html>`;

    const result = await postJson(URL, {}, { fetchFn: answering(502, page) });

    expect(result).toEqual({ kind: 'transient', status: 502, error: 'HTTP 502' });
    expect(JSON.stringify(result)).not.toContain('secret-path');
  });

  it.each([429, 500, 503])('reports HTTP %d as transient', async (status) => {
    await expect(postJson(URL, {}, { fetchFn: answering(status) })).resolves.toMatchObject({
      kind: 'transient',
      status,
    });
  });

  it('reports a timeout as transient', async () => {
    const hanging: Fetch = (_url, init) =>
      new Promise((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)),
      );

    await expect(postJson(URL, {}, { fetchFn: hanging, timeoutMs: 10 })).resolves.toEqual({
      kind: 'transient',
      error: 'timed out',
    });
  });

  it('reports a network error as transient, by its code only', async () => {
    const failing: Fetch = () =>
      Promise.reject(new TypeError(`fetch failed ${URL}`, { cause: { code: 'ECONNRESET', message: URL } }));

    const result = await postJson(URL, {}, { fetchFn: failing });

    expect(result).toEqual({ kind: 'transient', error: 'TypeError: ECONNRESET' });
    expect(JSON.stringify(result)).not.toContain('secret-path');
  });

  it.each(['http://hooks.example.com/x', 'not a url'])('refuses %s for good without sending', async (url) => {
    const fetchFn = jest.fn(answering(200));

    await expect(postJson(url, {}, { fetchFn })).resolves.toMatchObject({ kind: 'permanent' });
    expect(fetchFn).not.toHaveBeenCalled();
  });
});
