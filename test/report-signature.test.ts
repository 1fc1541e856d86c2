/**
 * A bundle is hashed (manifest.json) and, with a key, signed (manifest.sig, Ed25519): `report verify`
 * says which, checks the signature against the key a reader trusts, and names what fails. `report
 * prune` keeps the newest runs and the latest. A failed step reads as one sentence, never a stack.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Certification } from '../src/report/certification.ts';
import { writeManifest } from '../src/report/manifest.ts';
import { stepFailureSentence } from '../src/report/step-failure.ts';
import { writeSmallBundle } from './small-bundle.ts';

const BIN = new URL('../bin/screencap-cert.js', import.meta.url).pathname;
const ROOT = new URL('..', import.meta.url).pathname;
const root = await mkdtemp(join(tmpdir(), 'screencap-signature-'));
after(() => rm(root, { recursive: true, force: true }));

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const cli = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
};

/** A small finished bundle, written as every command writes one. */
async function bundle(): Promise<string> {
  const run = await writeSmallBundle(root, async (dir) => {
    await mkdir(join(dir, 'exchanges', 'f', 's'), { recursive: true });
    await writeFile(join(dir, 'exchanges', 'f', 's', 'trace.ndjson'), '{"seq":1}\n');
    return [];
  });
  return run.dir;
}

async function keyFile(pem: string): Promise<string> {
  const file = join(root, `key-${Math.random().toString(16).slice(2)}.pem`);
  await writeFile(file, pem);
  return file;
}

describe('report verify and report sign', () => {
  const key = keyPair();

  test('an unsigned bundle is "hashed, not signed": it verifies, but not against a public key', async () => {
    const dir = await bundle();
    const plain = cli(['report', 'verify', dir]);
    assert.equal(plain.code, 0, plain.output);
    assert.match(plain.output, /hashed, not signed/);
    assert.doesNotMatch(plain.output, /\bsigned by\b|as it was signed/);
    const html = await readFile(join(dir, 'certification.html'), 'utf8');
    assert.match(html, /hashed, not signed/);
    const withKey = cli(['report', 'verify', dir, '--public-key', await keyFile(key.publicPem)]);
    assert.equal(withKey.code, 1, withKey.output);
    assert.match(withKey.output, /FAILED: hashed, not signed: there is no signature to check/);
  });

  test('report sign signs the manifest and names the key in the certificate; an untouched signed bundle verifies', async () => {
    const dir = await bundle();
    const signed = cli(['report', 'sign', dir], { SCREENCAP_SIGNING_KEY: key.privatePem });
    assert.equal(signed.code, 0, signed.output);
    const fingerprint = /with key (SHA256:\S+)/.exec(signed.output)?.[1];
    assert.ok(fingerprint, signed.output);
    const cert = JSON.parse(await readFile(join(dir, 'certification.json'), 'utf8')) as Certification;
    assert.equal(cert.run.signedBy, fingerprint);
    assert.match(await readFile(join(dir, 'certification.html'), 'utf8'), /signed \(Ed25519/);
    const sig = JSON.parse(await readFile(join(dir, 'manifest.sig'), 'utf8'));
    assert.equal(sig.algorithm, 'ed25519');
    assert.doesNotMatch(await readFile(join(dir, 'manifest.sig'), 'utf8'), /PRIVATE/);
    const ok = cli(['report', 'verify', dir, '--public-key', await keyFile(key.publicPem)]);
    assert.equal(ok.code, 0, ok.output);
    assert.match(ok.output, /signed: the signature holds, by the key in/);
    const untrusted = cli(['report', 'verify', dir]);
    assert.equal(untrusted.code, 0, untrusted.output);
    assert.match(untrusted.output, /not checked against one you trust/);
  });

  test('fails, naming it, when a file and the manifest were both edited but the signature was not renewed', async () => {
    const dir = await bundle();
    assert.equal(cli(['report', 'sign', dir], { SCREENCAP_SIGNING_KEY: key.privatePem }).code, 0);
    await writeFile(join(dir, 'exchanges', 'f', 's', 'trace.ndjson'), '{"seq":2}\n');
    await writeManifest(dir);
    const hashesOnly = cli(['report', 'verify', dir]);
    assert.equal(hashesOnly.code, 1, hashesOnly.output);
    const r = cli(['report', 'verify', dir, '--public-key', await keyFile(key.publicPem)]);
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.output,
      /FAILED: signature: manifest\.json is not as it was signed: it was changed after manifest\.sig was made/,
    );
  });

  test('fails, naming both keys, for a bundle signed by another key', async () => {
    const dir = await bundle();
    assert.equal(cli(['report', 'sign', dir], { SCREENCAP_SIGNING_KEY: keyPair().privatePem }).code, 0);
    const r = cli(['report', 'verify', dir, '--public-key', await keyFile(key.publicPem)]);
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.output,
      /FAILED: signature: signed by key SHA256:\S+, not by the given public key SHA256:/,
    );
  });

  test('will not sign a bundle whose files are not as its manifest says, nor without a usable key', async () => {
    const dir = await bundle();
    await writeFile(join(dir, 'certification.json'), '{}\n');
    const tampered = cli(['report', 'sign', dir], { SCREENCAP_SIGNING_KEY: key.privatePem });
    assert.equal(tampered.code, 2, tampered.output);
    assert.match(tampered.output, /certification\.json\): it will not be signed/);
    const noKey = cli(['report', 'sign', await bundle()], { SCREENCAP_SIGNING_KEY: '' });
    assert.equal(noKey.code, 2);
    assert.match(noKey.output, /SCREENCAP_SIGNING_KEY is not set/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const wrong = cli(['run', '--sign'], { SCREENCAP_SIGNING_KEY: rsa.toString() });
    assert.equal(wrong.code, 2, 'run --sign with an unusable key does not start');
    assert.match(wrong.output, /--sign: SCREENCAP_SIGNING_KEY is a rsa key, not an Ed25519 key/);
    assert.ok(!wrong.output.includes('PRIVATE KEY'), 'the key is never printed');
  });
});

describe('report prune', () => {
  test('keeps the newest N runs and the latest, removes the rest, prints each size, leaves other folders', async () => {
    const reports = join(root, 'prune');
    const ids = [
      '2026-01-01T00-00-00Z-aaaaaa',
      '2026-01-02T00-00-00Z-bbbbbb',
      '2026-01-03T00-00-00Z-cccccc',
      '2026-01-04T00-00-00Z-dddddd',
    ];
    for (const id of ids) {
      await mkdir(join(reports, id), { recursive: true });
      await writeFile(join(reports, id, 'certification.json'), 'x'.repeat(2_000_000));
    }
    await mkdir(join(reports, 'browser-check'));
    await symlink(ids[0] as string, join(reports, 'latest'));
    const r = cli(['report', 'prune', '--keep', '2', '--reports', reports]);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(
      (await readdir(reports)).sort(),
      ['browser-check', ids[0], ids[2], ids[3], 'latest'].sort(),
    );
    assert.match(r.output, new RegExp(`removed  ${ids[1]}  2\\.0 MB`));
    assert.match(r.output, new RegExp(`kept     ${ids[0]}  2\\.0 MB`));
    assert.match(r.output, /3 run\(s\) kept \(6\.0 MB\), 1 removed \(2\.0 MB\)/);
    const none = cli(['report', 'prune', '--reports', reports]);
    assert.equal(none.code, 2);
    assert.match(none.output, /give --keep N or reports\.keep/);
    const fromConfig = cli(['report', 'prune', '--reports', reports], { SCREENCAP_REPORTS_KEEP: '1' });
    assert.equal(fromConfig.code, 0, fromConfig.output);
    assert.deepEqual((await readdir(reports)).sort(), ['browser-check', ids[0], ids[3], 'latest'].sort());
  });
});

describe('a failed step in words', () => {
  const stack =
    '\n    at expectIndication (/home/someone/screencap/steps/exchange.steps.ts:44:94)\n    at node:internal/process/task_queues:95:5';

  test('chai: what was awaited and what was seen, no stack, no path', () => {
    const s = stepFailureSentence(
      'the T-Server acknowledges it',
      `AssertionError: reply to the operation (rule TSRV-REPLY): expected 'EventError' to equal 'EventACK'${stack}`,
    );
    assert.equal(
      s,
      "“the T-Server acknowledges it” awaited reply to the operation (rule TSRV-REPLY) to be 'EventACK'; it saw 'EventError' instead.",
    );
  });

  test('a timeout, a refused request, the verdict step', () => {
    assert.equal(
      stepFailureSentence(
        'the recorder receives start',
        `Error: function timed out, ensure the promise resolves within 9000 milliseconds${stack}`,
      ),
      '“the recorder receives start” awaited an answer for 9000 ms and saw none (the step timed out).',
    );
    const refused = stepFailureSentence(
      'x',
      `Error: no agent desktop on DN 7001 (see /home/someone/screencap/a.ts:3)${stack}`,
    );
    assert.equal(refused, '“x” failed: no agent desktop on DN 7001 (see <path>).');
    assert.equal(
      stepFailureSentence(
        'the exchange conforms to the tagged rules',
        "AssertionError: rules not passed: expected 'REC-CONNID (seed 1.3.1) failed: x' to equal ''\n    -REC-CONNID (seed 1.3.1) failed: x\n    -REC-ANSWER (seed 1.3) failed: y",
      ),
      "“the exchange conforms to the tagged rules”: REC-CONNID, REC-ANSWER failed (the rule's findings say where and how).",
    );
  });
});
