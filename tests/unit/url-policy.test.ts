import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AllowListError, checkUrl, deniedReason, parseAllowList } from '../../src/activities/url-policy.js';
import { ConfigError, workerSettingsFromEnv } from '../../src/config.js';
import { createPipelineWorker } from '../../src/worker.js';
import { failureOf, stepEnv } from './activities-harness.js';

const none = parseAllowList('');

function setAllow(value: string | undefined): void {
  if (value === undefined) delete process.env.STEPLINE_HTTP_ALLOW;
  else process.env.STEPLINE_HTTP_ALLOW = value;
}

describe('the address policy', () => {
  test('every non-public address is denied, with what kind it is', () => {
    const cases: Array<[string, RegExp]> = [
      ['127.0.0.1', /loopback/],
      ['127.255.1.2', /loopback/],
      ['::1', /loopback/],
      ['0.0.0.0', /unspecified/],
      ['0.1.2.3', /unspecified/],
      ['::', /unspecified/],
      ['169.254.169.254', /link-local/],
      ['fe80::1', /link-local/],
      ['10.1.2.3', /private/],
      ['172.16.0.1', /private/],
      ['172.31.255.255', /private/],
      ['192.168.1.1', /private/],
      ['100.64.0.1', /carrier-grade NAT/],
      ['fc00::1', /unique-local/],
      ['fd12:3456::1', /unique-local/],
      ['224.0.0.1', /multicast/],
      ['ff02::1', /multicast/],
      ['255.255.255.255', /broadcast/],
      ['240.0.0.1', /reserved/],
      ['192.0.2.1', /reserved/],
      ['::ffff:127.0.0.1', /IPv4-mapped loopback/],
      ['::ffff:10.0.0.1', /IPv4-mapped private/],
      ['::ffff:169.254.169.254', /IPv4-mapped link-local/],
      ['::127.0.0.1', /IPv4-mapped loopback|IPv4-compatible loopback/],
      ['::7f00:1', /IPv4-compatible loopback/],
      ['::ffff:0:7f00:1', /IPv4-translated loopback/],
      ['64:ff9b::7f00:1', /NAT64 loopback/],
      ['2002:7f00:1::', /6to4 loopback/],
    ];
    for (const [address, reason] of cases) {
      const why = deniedReason(address, none);
      assert.ok(why, `${address} should be denied`);
      assert.match(why, reason, address);
    }
  });

  test('public unicast addresses are allowed, in both families', () => {
    for (const address of ['93.184.215.14', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8', '172.32.0.1']) {
      assert.equal(deniedReason(address, none), undefined, address);
    }
  });

  test('numeric host forms are normalised by the URL parser and then denied', () => {
    for (const host of [
      '2130706433',
      '0177.0.0.1',
      '0x7f.1',
      '127.1',
      '0x7f000001',
      '0',
      '[::1]',
      '[::ffff:127.0.0.1]',
      '[0:0:0:0:0:ffff:7f00:1]',
    ]) {
      const url = new URL(`http://${host}:8080/admin`);
      assert.throws(
        () => checkUrl(url),
        (err: Error & { code?: string; category?: string }) => {
          assert.equal(err.code, 'URL_DENIED', host);
          assert.equal(err.category, 'validation', host);
          assert.match(
            err.message,
            /^http\.request refused http:\/\/.*:8080\/admin: .* is an? .*address; allow it with STEPLINE_HTTP_ALLOW \(hosts, IPs, CIDRs\)$/,
          );
          return true;
        },
        host,
      );
    }
  });

  test('a refusal reads like the contract and shows the URL without credentials or query', () => {
    assert.throws(() => checkUrl(new URL('http://user:pw-secret@127.0.0.1:5555/admin?token=abc')), {
      message:
        'http.request refused http://127.0.0.1:5555/admin: 127.0.0.1 is a loopback address; allow it with STEPLINE_HTTP_ALLOW (hosts, IPs, CIDRs)',
    });
  });
});

describe('STEPLINE_HTTP_ALLOW', () => {
  afterEach(() => setAllow(undefined));

  test('IPs and CIDRs allow those addresses only', () => {
    const list = parseAllowList(' 127.0.0.1 , 10.0.0.0/8,::1, fd00::/8 ');
    for (const allowed of [
      '127.0.0.1',
      '10.200.3.4',
      '::1',
      'fd00::5',
      '::ffff:127.0.0.1',
      '::ffff:10.1.1.1',
    ]) {
      assert.equal(deniedReason(allowed, list), undefined, allowed);
    }
    for (const denied of ['127.0.0.2', '192.168.0.1', 'fc00::1', 'fe80::1']) {
      assert.ok(deniedReason(denied, list), denied);
    }
  });

  test('a hostname is allowed by name (case-insensitive) whatever it resolves to; *.suffix covers subdomains', () => {
    setAllow('LocalHost,*.internal.example');
    assert.equal(checkUrl(new URL('http://localhost:1/')).needsLookupCheck, false);
    assert.equal(checkUrl(new URL('http://LOCALHOST.:1/')).needsLookupCheck, false);
    assert.equal(checkUrl(new URL('http://api.internal.example/')).needsLookupCheck, false);
    assert.equal(checkUrl(new URL('http://internal.example/')).needsLookupCheck, true);
    assert.equal(checkUrl(new URL('http://example.com/')).needsLookupCheck, true);
    // A name allows the name, not the addresses it stands for.
    assert.throws(() => checkUrl(new URL('http://127.0.0.1/')), { code: 'URL_DENIED' });
  });

  test('an entry that cannot be parsed is an error naming it', () => {
    for (const bad of ['http://example.com', 'example.com:8080', '10.0.0.0/33', '300.1.1.1', 'a b', '*']) {
      assert.throws(
        () => parseAllowList(`10.0.0.1,${bad}`),
        (err: unknown) => {
          assert.ok(err instanceof AllowListError, bad);
          assert.deepEqual(err.entries, [bad]);
          assert.ok(err.message.includes(JSON.stringify(bad)), err.message);
          return true;
        },
      );
    }
  });

  test('the worker refuses to start with a bad entry', () => {
    assert.throws(
      () => workerSettingsFromEnv({ STEPLINE_HTTP_ALLOW: 'localhost,10.0.0.0/99' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /STEPLINE_HTTP_ALLOW: "10\.0\.0\.0\/99" is not a hostname/);
        return true;
      },
    );
    assert.doesNotThrow(() => workerSettingsFromEnv({ STEPLINE_HTTP_ALLOW: 'localhost, 10.0.0.0/8,' }));
  });

  test('createPipelineWorker refuses a bad entry before it connects', async () => {
    setAllow('10.0.0.1, bad entry!');
    await assert.rejects(createPipelineWorker({ address: '127.0.0.1:1' }), (err: unknown) => {
      assert.ok(err instanceof AllowListError);
      assert.deepEqual(err.entries, ['bad entry!']);
      return true;
    });
  });

  test('the step fails with a message naming the bad entry (read at call time)', async () => {
    setAllow('not a host');
    const { failure, details } = await failureOf(
      stepEnv().run('http.request', { input: { url: 'http://example.com/' } }),
    );
    assert.equal(failure.type, 'validation');
    assert.equal(details.code, 'HTTP_ALLOW_INVALID');
    assert.match(details.message, /STEPLINE_HTTP_ALLOW: "not a host" is not a hostname/);
  });
});

// --- http.request against listeners on loopback ------------------------------------------------------

interface Listener {
  server: Server;
  port: number;
  requests: IncomingMessage[];
}

async function listen(
  host: string,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Listener> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port, requests };
}

describe('http.request under the policy', () => {
  let target: Listener;
  let hop: Listener;
  before(async () => {
    target = await listen('127.0.0.1', (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          path: req.url,
          auth: req.headers.authorization ?? null,
          cookie: req.headers.cookie ?? null,
        }),
      );
    });
    hop = await listen('127.0.0.2', (req, res) => {
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? '/';
      const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? 302);
      res.writeHead(status, { location: to }).end();
    });
  });
  after(() => {
    for (const { server } of [target, hop]) {
      server.closeAllConnections();
      server.close();
    }
  });
  afterEach(() => setAllow(undefined));

  test('denied by default: the listener sees nothing and the step fails fast as validation URL_DENIED', async () => {
    const before = target.requests.length;
    for (const host of ['127.0.0.1', 'localhost', '2130706433', '0x7f.1', '127.1', '0177.0.0.1']) {
      const url = `http://${host}:${target.port}/admin`;
      const { failure, details } = await failureOf(
        stepEnv().run('http.request', { input: { url }, recovery: {} }),
      );
      assert.equal(failure.type, 'validation', host);
      assert.equal(failure.nonRetryable, true, host);
      assert.equal(details.code, 'URL_DENIED', host);
      assert.match(details.message, /loopback address; allow it with STEPLINE_HTTP_ALLOW/, host);
    }
    assert.equal(target.requests.length, before, 'no request reached the listener');
  });

  test('localhost is refused after resolution, naming the address it resolved to', async () => {
    const { details } = await failureOf(
      stepEnv().run('http.request', { input: { url: `http://localhost:${target.port}/x` } }),
    );
    assert.match(
      details.message,
      /^http\.request refused http:\/\/localhost:\d+\/x: localhost resolves to (127\.0\.0\.1|::1), a loopback address;/,
    );
  });

  test('allowed with STEPLINE_HTTP_ALLOW (by IP, by CIDR, by name)', async () => {
    for (const [allow, host] of [
      ['127.0.0.1', '127.0.0.1'],
      ['127.0.0.0/8', '2130706433'],
      ['localhost', 'localhost'],
    ] as const) {
      setAllow(allow);
      const output = (await stepEnv().run('http.request', {
        input: { url: `http://${host}:${target.port}/ok` },
      })) as { status: number };
      assert.equal(output.status, 200, allow);
    }
  });

  test('a redirect from an allowed host to a denied one is refused before it is followed', async () => {
    setAllow('127.0.0.2');
    const before = target.requests.length;
    const to = `http://127.0.0.1:${target.port}/secret`;
    const { details } = await failureOf(
      stepEnv().run('http.request', {
        input: { url: `http://127.0.0.2:${hop.port}/go?to=${encodeURIComponent(to)}` },
      }),
    );
    assert.equal(details.code, 'URL_DENIED');
    assert.match(
      details.message,
      new RegExp(
        `^http\\.request refused http://127\\.0\\.0\\.1:${target.port}/secret \\(redirected from http://127\\.0\\.0\\.2:${hop.port}/go\\): 127\\.0\\.0\\.1 is a loopback address`,
      ),
    );
    assert.equal(target.requests.length, before);
  });

  test('redirects are followed when allowed; a cross-origin hop drops Authorization and Cookie; 303 turns POST into GET', async () => {
    setAllow('127.0.0.1,127.0.0.2');
    const to = `http://127.0.0.1:${target.port}/landed`;
    const output = (await stepEnv().run('http.request', {
      input: {
        url: `http://127.0.0.2:${hop.port}/go?status=303&to=${encodeURIComponent(to)}`,
        method: 'POST',
        headers: { authorization: 'Bearer top-secret-token', cookie: 'session=s3cr3t' },
        body: { a: 1 },
      },
    })) as { status: number; body: { path: string; auth: unknown; cookie: unknown } };
    assert.equal(output.status, 200);
    assert.deepEqual(output.body, { path: '/landed', auth: null, cookie: null });
    const last = target.requests.at(-1)!;
    assert.equal(last.method, 'GET');
    assert.equal(last.headers['content-type'], undefined);
  });

  test('more than 5 redirects fail; a redirect to another scheme is refused', async () => {
    setAllow('127.0.0.2');
    const self = (n: number): string =>
      n === 0 ? '/end' : `http://127.0.0.2:${hop.port}/go?to=${encodeURIComponent(self(n - 1))}`;
    const loop = await failureOf(stepEnv().run('http.request', { input: { url: self(7) } }));
    assert.equal(loop.details.code, 'TOO_MANY_REDIRECTS');
    const ftp = await failureOf(
      stepEnv().run('http.request', {
        input: { url: `http://127.0.0.2:${hop.port}/go?to=${encodeURIComponent('file:///etc/passwd')}` },
      }),
    );
    assert.equal(ftp.details.code, 'URL_DENIED');
    assert.match(ftp.details.message, /file is not http or https/);
  });

  test('URL credentials become Basic auth and never appear in errors, nor does the query', async () => {
    setAllow('127.0.0.1');
    const ok = (await stepEnv().run('http.request', {
      input: { url: `http://user:s3cret-pw@127.0.0.1:${target.port}/who` },
    })) as { body: { auth: string } };
    assert.equal(ok.body.auth, `Basic ${Buffer.from('user:s3cret-pw').toString('base64')}`);

    const closed = await listen('127.0.0.1', () => undefined);
    closed.server.close();
    await new Promise((resolve) => closed.server.on('close', resolve));
    const { failure, details } = await failureOf(
      stepEnv().run('http.request', {
        input: { url: `http://user:s3cret-pw@127.0.0.1:${closed.port}/x?token=abc-token` },
      }),
    );
    assert.equal(details.code, 'ECONNREFUSED');
    for (const text of [
      details.message,
      failure.message,
      JSON.stringify(failure.details),
      String(failure.stack),
    ]) {
      assert.ok(!text.includes('s3cret'), text);
      assert.ok(!text.includes('abc-token'), text);
    }
  });

  test("zod's error for a bad url does not echo it, anywhere in the failure", async () => {
    const { failure, details } = await failureOf(
      stepEnv().run('http.request', { input: { url: 'gopher://user:s3cret@host/?token=abc-token' } }),
    );
    assert.equal(details.category, 'validation');
    let text = '';
    for (let at: unknown = failure; at; at = (at as Error).cause) {
      const err = at as Error & { details?: unknown };
      text += `${err.message}\n${err.stack ?? ''}\n${JSON.stringify(err.details ?? null)}\n`;
    }
    assert.ok(!text.includes('s3cret') && !text.includes('abc-token'), text);
  });
});
