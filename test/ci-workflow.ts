/**
 * The CI examples of docs/ci/: a GitHub Actions workflow is checked with GitHub's own parser
 * (@actions/workflow-parser, its schema and conversion), and read as plain YAML for what it does.
 */
import { readFile } from 'node:fs/promises';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parse } from 'yaml';

export const GITHUB_WORKFLOW = new URL('../docs/ci/github-actions.yml', import.meta.url).pathname;
export const GITLAB_JOB = new URL('../docs/ci/gitlab-ci.yml', import.meta.url).pathname;

/** What GitHub would refuse the workflow for: empty when it is valid. */
export async function workflowErrors(content: string, name = 'workflow.yml'): Promise<string[]> {
  const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  if (errors.length || !result.value) return errors;
  const template = await convertWorkflowTemplate(result.context, result.value);
  return (template.errors ?? []).map((e) => e.Message);
}

export interface WorkflowStep {
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
  with?: Record<string, string>;
  'continue-on-error'?: boolean;
}

export interface WorkflowJob {
  env?: Record<string, string>;
  steps: WorkflowStep[];
  'continue-on-error'?: boolean;
}

/** The example workflow's one job, as YAML. */
export async function githubJob(): Promise<{ id: string; job: WorkflowJob }> {
  const workflow = parse(await readFile(GITHUB_WORKFLOW, 'utf8')) as { jobs: Record<string, WorkflowJob> };
  const [[id, job] = []] = Object.entries(workflow.jobs);
  if (!id || !job) throw new Error(`${GITHUB_WORKFLOW} has no job`);
  return { id, job };
}
