/** The dashboard's guards as pure logic: the Host allow-list, stream caps and their settings. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HostPolicy, parseAllowedHosts, splitHost } from '../../src/dashboard/host-check.js';
import { dashboardSettingsFromEnv } from '../../src/dashboard/main.js';
import { StreamLimiter } from '../../src/dashboard/stream-limits.js';

describe('Host check', () => {
  test('bound on loopback: loopback names on any port, nothing else', () => {
    const policy = new HostPolicy('127.0.0.1');
    for (const host of ['localhost', 'localhost:8080', '127.0.0.1:1', '[::1]:8080', '[::1]', 'LocalHost.'])
      assert.ok(policy.allows(host), host);
    for (const host of [undefined, '', 'evil.example', 'localhost.evil.example', '127.0.0.2', '[::2]', 'a b'])
      assert.ok(!policy.allows(host), String(host));
  });

  test('bound beyond loopback: the bound address, the allowed names (name, name:port, *.domain), loopback', () => {
    const policy = new HostPolicy(
      '10.1.2.3',
      parseAllowedHosts('dash.example, ops.example:9000,*.corp.example'),
    );
    for (const host of [
      '10.1.2.3:8080',
      'dash.example',
      'dash.example:80',
      'ops.example:9000',
      'a.corp.example',
    ])
      assert.ok(policy.allows(host), host);
    for (const host of [
      'ops.example:9001',
      'ops.example',
      'corp.example',
      'evil.example',
      'dash.example.evil',
    ])
      assert.ok(!policy.allows(host), host);
    assert.ok(!new HostPolicy('0.0.0.0').allows('0.0.0.0'), 'a wildcard bind address is not a host name');
    assert.ok(new HostPolicy('0.0.0.0', ['*']).allows('anything.example'));
  });

  test('malformed allow-list entries are refused by position, without echoing them', () => {
    assert.throws(() => parseAllowedHosts('ok.example, bad/host'), /entry 2 is not a host name/);
    assert.deepEqual(splitHost('[::1]:80'), { name: '::1', port: '80' });
    assert.equal(splitHost('host:port'), undefined);
  });
});

describe('stream caps', () => {
  test('per client and in total; a release frees exactly one slot, once', () => {
    const limiter = new StreamLimiter({ maxStreams: 3, maxStreamsPerClient: 2 });
    const a1 = limiter.acquire('a');
    const a2 = limiter.acquire('a');
    assert.deepEqual(limiter.acquire('a'), { refused: 'client' });
    const b1 = limiter.acquire('b');
    assert.deepEqual(limiter.acquire('c'), { refused: 'total' });
    assert.ok('release' in a1 && 'release' in a2 && 'release' in b1);
    a1.release();
    a1.release();
    assert.equal(limiter.open, 2);
    assert.ok('release' in limiter.acquire('c'));
    assert.deepEqual(limiter.acquire('a'), { refused: 'total' });
  });

  test('settings come from the environment and are validated', () => {
    const defaults = dashboardSettingsFromEnv({});
    assert.equal(defaults.maxStreams, 100);
    assert.equal(defaults.maxStreamsPerClient, 10);
    assert.deepEqual(defaults.allowedHosts, []);
    const set = dashboardSettingsFromEnv({
      STEPLINE_DASHBOARD_MAX_STREAMS: '7',
      STEPLINE_DASHBOARD_MAX_STREAMS_PER_CLIENT: '2',
      STEPLINE_DASHBOARD_HOSTS: 'dash.example',
    });
    assert.deepEqual([set.maxStreams, set.maxStreamsPerClient, set.allowedHosts], [7, 2, ['dash.example']]);
    for (const bad of ['0', '-1', '1.5', 'many', '1e3', '100001'])
      assert.throws(
        () => dashboardSettingsFromEnv({ STEPLINE_DASHBOARD_MAX_STREAMS: bad }),
        /STEPLINE_DASHBOARD_MAX_STREAMS: expected a whole number from 1 to 100000/,
        bad,
      );
    assert.throws(() => new StreamLimiter({ maxStreamsPerClient: 0 }), /maxStreamsPerClient/);
  });
});
