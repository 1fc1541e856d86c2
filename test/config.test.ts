/** The configuration: file formats, environment overrides, and errors that name key, value and source. */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { configWarnings } from '../src/cli/config.ts';
import { ConfigError, envName, fillTemplate, loadConfig } from '../src/config/load.ts';
import { notRunReason, profileTagExpression } from '../src/conformance/profiles.ts';
import { runSettings } from '../src/settings.ts';

async function file(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'screencap-config-'));
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    return e.message;
  }
  assert.fail('expected the configuration to be rejected');
}

describe('configuration', () => {
  test('config check warns of tserver.port 0 where the system under test must connect to the embedded T-Server', () => {
    const warnings = (env: Record<string, string>) => configWarnings(loadConfig(undefined, env));
    assert.match(
      warnings({ SCREENCAP_PROFILE: 'recorder' }).join('\n'),
      /^tserver\.port is 0 with the recorder profile: .*cannot know beforehand; set tserver\.port/,
    );
    assert.deepEqual(warnings({ SCREENCAP_PROFILE: 'recorder', SCREENCAP_TSERVER_PORT: '7000' }), []);
    assert.deepEqual(warnings({}), []);
  });

  test('defaults: self profile, embedded simulator on an ephemeral loopback port, agents 7001 and 7002', () => {
    const c = loadConfig(undefined, {});
    assert.equal(c.profile, 'self');
    assert.deepEqual(c.tserver, {
      mode: 'embedded',
      host: '127.0.0.1',
      port: 0,
      image: 'screencap-cert-sim:latest',
      journalBytes: 64 * 1024 * 1024,
      strict: false,
    });
    assert.deepEqual(c.agents.dns, ['7001', '7002']);
    assert.deepEqual(c.mapping, {
      start: 'enabled',
      stop: 'disabled',
      pause: 'paused',
      resume: 'enabled',
      query: 'current',
    });
    assert.equal(c.timeouts.answerMs, 2000);
  });

  test('YAML and JSON files are read alike', async () => {
    const yaml = await file(
      'c.yaml',
      'profile: recorder\ntserver: { port: 7000 }\nsut: { vendor: Acme, product: Rec, version: "2.1" }\n',
    );
    const json = await file(
      'c.json',
      JSON.stringify({
        profile: 'recorder',
        tserver: { port: 7000 },
        sut: { vendor: 'Acme', product: 'Rec', version: '2.1' },
      }),
    );
    assert.deepEqual(loadConfig(yaml, {}), loadConfig(json, {}));
    assert.equal(loadConfig(yaml, {}).sut?.version, '2.1');
  });

  test('every key can be overridden from the environment, with its type', async () => {
    const path = await file('c.yaml', 'tserver: { port: 7000 }\n');
    const c = loadConfig(path, {
      SCREENCAP_TSERVER_PORT: '7100',
      SCREENCAP_AGENTS_DNS: '5001, 5002',
      SCREENCAP_TIMEOUTS_ANSWER_MS: '750',
      SCREENCAP_MAPPING_START: 'paused',
      SCREENCAP_DESKTOP_STIMULUS_HTTP_HEADERS: '{"x-token":"{env:TOKEN}"}',
      SCREENCAP_DESKTOP_STIMULUS_HTTP_URL: 'http://127.0.0.1:1/{op}',
    });
    assert.equal(c.tserver.port, 7100);
    assert.deepEqual(c.agents.dns, ['5001', '5002']);
    assert.equal(c.timeouts.answerMs, 750);
    assert.equal(c.mapping.start, 'paused');
    assert.deepEqual(c.desktop.stimulus?.http?.headers, { 'x-token': '{env:TOKEN}' });
    assert.equal(envName('tserver.adminUrl'), 'SCREENCAP_TSERVER_ADMIN_URL');
  });

  test('an error names the key, the value found, where it came from, and what was expected', async () => {
    const path = await file('bad.yaml', 'tserver: { port: 99999 }\nmapping: { start: on }\n');
    const message = configError(() => loadConfig(path, { SCREENCAP_TIMEOUTS_ANSWER_MS: 'soon' }));
    assert.match(message, /tserver\.port: .*65535.*found 99999 \(from .*bad\.yaml\)/);
    assert.match(message, /mapping\.start: .*found "on"/);
    assert.match(
      message,
      /timeouts\.answerMs: .*number.*found "soon" \(from environment variable SCREENCAP_TIMEOUTS_ANSWER_MS\)/,
    );
  });

  test('unknown keys are rejected by name', async () => {
    const path = await file('typo.yaml', 'tserver: { prot: 7000 }\n');
    assert.match(
      configError(() => loadConfig(path, {})),
      /tserver.*prot/,
    );
  });

  test('a profile without what it needs is rejected with the reason', () => {
    assert.match(
      configError(() => loadConfig(undefined, { SCREENCAP_PROFILE: 'desktop' })),
      /desktop\.stimulus: .*stimulus/,
    );
    assert.match(
      configError(() => loadConfig(undefined, { SCREENCAP_PROFILE: 'tserver' })),
      /tserver\.mode: .*tcp with its host and port, or container with its image/,
    );
    assert.match(
      configError(() => loadConfig(undefined, { SCREENCAP_PROFILE: 'lab' })),
      /profile: .*found "lab"/,
    );
  });

  test('an unreadable or malformed file is named', async () => {
    assert.match(
      configError(() => loadConfig('/nonexistent/screencap.yaml', {})),
      /cannot read config file \/nonexistent\/screencap\.yaml/,
    );
    const path = await file('broken.json', '{"profile": ');
    assert.match(
      configError(() => loadConfig(path, {})),
      /broken\.json is not valid JSON/,
    );
  });

  test('stimulus templates fill {op}, {dn}, {connId} and {env:NAME}, and name a missing variable', () => {
    assert.equal(
      fillTemplate(
        '/ops/{op}?dn={dn}&call={connId}&k={env:KEY}',
        { op: 'start', dn: '7001', connId: 'ab' },
        { KEY: 's3' },
      ),
      '/ops/start?dn=7001&call=ab&k=s3',
    );
    assert.throws(() => fillTemplate('{env:MISSING_KEY}', {}, {}), /MISSING_KEY/);
  });

  test('profiles select the scenarios of their seat, minus what the T-Server cannot do', () => {
    const base = loadConfig(undefined, {});
    assert.equal(profileTagExpression(base), undefined);
    const recorder = loadConfig(undefined, { SCREENCAP_PROFILE: 'recorder' });
    assert.equal(profileTagExpression(recorder), '@seat:recorder and not @recorder-restart');
    assert.match(
      notRunReason(recorder, ['@seat:recorder', '@recorder-restart']),
      /no recorder.restartCommand/,
    );
    const restartable = loadConfig(undefined, {
      SCREENCAP_PROFILE: 'recorder',
      SCREENCAP_RECORDER_RESTART_COMMAND: 'kill -HUP 1234',
    });
    assert.equal(profileTagExpression(restartable), '@seat:recorder');
    const tserver = loadConfig(undefined, {
      SCREENCAP_PROFILE: 'tserver',
      SCREENCAP_TSERVER_MODE: 'tcp',
      SCREENCAP_TSERVER_PORT: '7000',
    });
    assert.equal(
      profileTagExpression(tserver),
      '@seat:tserver and not @simulator and not @calls and not @admin-api',
    );
    // The simulator image under test: calls through its admin API, which the harness reaches.
    const image = loadConfig(undefined, {
      SCREENCAP_PROFILE: 'tserver',
      SCREENCAP_TSERVER_MODE: 'container',
    });
    assert.equal(profileTagExpression(image), '@seat:tserver and not @simulator');
    assert.match(notRunReason(recorder, ['@seat:tserver']), /recorder under test takes no part/);
    assert.match(notRunReason(tserver, ['@seat:tserver', '@calls']), /needs calls/);
    assert.match(
      notRunReason(tserver, ['@seat:tserver', '@admin-api']),
      /not applicable to this T-Server: it drops connections .*tserver\.adminUrl\), and none is configured/,
    );
    // An admin API that is a bridge to a real T-Server (calls only), as the run finds it out.
    const bridged = loadConfig(undefined, {
      SCREENCAP_PROFILE: 'recorder',
      SCREENCAP_TSERVER_MODE: 'tcp',
      SCREENCAP_TSERVER_PORT: '7000',
      SCREENCAP_TSERVER_ADMIN_URL: 'http://127.0.0.1:7001',
    });
    assert.equal(
      profileTagExpression(bridged),
      '@seat:recorder and not @recorder-restart and not @simulator',
    );
    const reach = { noServiceability: 'GET http://127.0.0.1:7001/connections answered 404' };
    assert.equal(
      profileTagExpression(bridged, reach),
      '@seat:recorder and not @recorder-restart and not @simulator and not @admin-api',
    );
    assert.match(
      notRunReason(bridged, ['@seat:recorder', '@admin-api'], reach),
      /not applicable to this T-Server: .*the configured admin API cannot \(GET http:\/\/127\.0\.0\.1:7001\/connections answered 404\)/,
    );
  });

  test("run's settings: its file (or SCREENCAP_CONFIG), the user's overrides, then its options; the environment is left as it was", async () => {
    const path = await file('run.yaml', 'profile: desktop\nmapping:\n  start: paused\n');
    const env = { SCREENCAP_CONFIG: path, SCREENCAP_TIMEOUTS_ANSWER_MS: '300' };
    const screencapVariables = () => Object.keys(process.env).filter((k) => k.startsWith('SCREENCAP_'));
    const before = screencapVariables();
    const s = runSettings({ profile: 'recorder', sipLog: 'sip.log', breakage: 'recorder-start-paused' }, env);
    assert.equal(s.config.profile, 'recorder', '--profile over the file');
    assert.equal(s.config.tserver.sipLog, 'sip.log');
    assert.equal(s.mapping.start, 'paused', 'the file named by SCREENCAP_CONFIG');
    assert.equal(s.answerTimeoutMs, 300, 'the user override');
    assert.equal(s.breakage, 'recorder-start-paused');
    assert.deepEqual(screencapVariables(), before, 'nothing handed over through process.env');
    // Plain data: it travels to Cucumber's workers as world parameters (an unset option stays unset).
    const set = Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined));
    assert.deepEqual(JSON.parse(JSON.stringify(s)), set);
    assert.throws(
      () => runSettings({ profile: 'nobody' }, {}),
      /profile: .*found "nobody" \(from environment variable SCREENCAP_PROFILE\)/,
    );
  });
});
