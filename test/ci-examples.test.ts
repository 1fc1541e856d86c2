/**
 * The CI examples a vendor copies (docs/ci/): GitHub accepts the workflow (its own parser), GitLab's
 * job has the keys it needs, and both install the package, start the recorder beside the embedded
 * T-Server before the run, fail on a verdict other than PASSED unless told to allow INCOMPLETE, and
 * keep the certificate and the JUnit report whatever the verdict. package.test.ts runs the
 * workflow's steps against the installed package.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { GITHUB_WORKFLOW, GITLAB_JOB, githubJob, workflowErrors } from './ci-workflow.ts';

const RECORDER_PROFILE = /\bscreencap-cert run --profile recorder --reports reports \$ALLOW_INCOMPLETE$/m;
const RECORDER_IN_BACKGROUND =
  /screencap-cert mock recorder --tserver "127\.0\.0\.1:\$SCREENCAP_TSERVER_PORT" .*&$/m;

describe('the GitHub Actions example', () => {
  test("GitHub's parser accepts it, and refuses it with a key misspelt (the check is real)", async () => {
    const content = await readFile(GITHUB_WORKFLOW, 'utf8');
    assert.deepEqual(await workflowErrors(content, 'github-actions.yml'), []);
    const broken = await workflowErrors(content.replace('runs-on:', 'runs_on:'), 'broken.yml');
    assert.ok(
      broken.some((e) => /runs-on/.test(e)),
      broken.join('\n'),
    );
    const badCondition = await workflowErrors(content.replace('if: always()', 'if: always('), 'broken.yml');
    assert.notDeepEqual(badCondition, []);
  });

  test('installs the package, starts the recorder, then runs the recorder profile and fails on its verdict', async () => {
    const { job } = await githubJob();
    const runs = job.steps.map((s) => s.run ?? '');
    const install = runs.findIndex((r) => /npm install --global .*"\$SCREENCAP_CERT_PACKAGE"/.test(r));
    const recorder = runs.findIndex((r) => RECORDER_IN_BACKGROUND.test(r));
    const certify = runs.findIndex((r) => RECORDER_PROFILE.test(r));
    assert.ok(install >= 0 && install < recorder && recorder < certify, runs.join('\n---\n'));
    // A non-zero exit (1 FAILED, 3 INCOMPLETE, 2 could not run) fails the step, so the job.
    assert.notEqual(job.steps[certify]?.['continue-on-error'], true);
    assert.notEqual(job['continue-on-error'], true);
    assert.equal(job.env?.ALLOW_INCOMPLETE, '', 'INCOMPLETE fails unless the vendor allows it');
  });

  test('publishes the certificate and the JUnit report, also when the run failed', async () => {
    const { job } = await githubJob();
    const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    assert.ok(upload, 'an upload-artifact step');
    assert.equal(upload.if, 'always()');
    const paths = upload.with?.path?.split('\n').map((p) => p.trim()) ?? [];
    for (const file of ['reports/latest/certification.html', 'reports/latest/junit.xml'])
      assert.ok(paths.includes(file), `${file} in ${paths.join(', ')}`);
  });
});

describe('the GitLab CI example', () => {
  test('is one job with a script, artifacts kept always, and the JUnit report', async () => {
    const jobs = parse(await readFile(GITLAB_JOB, 'utf8')) as Record<string, Record<string, unknown>>;
    const [name, ...others] = Object.keys(jobs);
    assert.equal(others.length, 0);
    const job = jobs[name as string] as {
      image: string;
      variables: Record<string, string>;
      script: string[];
      after_script: string[];
      artifacts: { when: string; paths: string[]; reports: { junit: string } };
      allow_failure?: unknown;
    };
    assert.match(job.image, /^node:20/);
    assert.equal(job.variables.ALLOW_INCOMPLETE, '');
    assert.equal(job.allow_failure, undefined, 'a failed certification fails the pipeline');
    const install = job.script.findIndex((l) => /npm install --global .*"\$SCREENCAP_CERT_PACKAGE"/.test(l));
    const recorder = job.script.findIndex((l) => RECORDER_IN_BACKGROUND.test(l));
    const certify = job.script.findIndex((l) => RECORDER_PROFILE.test(l));
    assert.ok(install >= 0 && install < recorder && recorder < certify, job.script.join('\n'));
    assert.equal(job.artifacts.when, 'always');
    assert.match(
      job.after_script.join('\n'),
      /cp -L reports\/latest\/certification\.html reports\/latest\/junit\.xml certification\//,
    );
    assert.ok(job.artifacts.paths.includes('certification/'));
    assert.equal(job.artifacts.reports.junit, 'certification/junit.xml');
  });
});
