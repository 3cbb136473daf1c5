// The fake GitHub's body validation must be able to fail, or the end-to-end tests prove nothing.
import { describe, expect, it } from 'vitest';
import { githubBodyValidator } from './helpers/openapi.js';

describe("request bodies against GitHub's OpenAPI schemas", () => {
  const v = githubBodyValidator();

  it('accepts what the app sends', () => {
    expect(v.validate('POST', '/repos/{owner}/{repo}/check-runs', { name: 'iovalint', head_sha: 'abc', status: 'in_progress', started_at: new Date().toISOString() })).toEqual([]);
    expect(
      v.validate('POST', '/repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
        commit_id: 'abc',
        event: 'COMMENT',
        body: 'x',
        comments: [{ path: 'a.c', line: 3, side: 'RIGHT', start_line: 2, start_side: 'RIGHT', body: 'b' }],
      }),
    ).toEqual([]);
  });

  it('rejects a missing head_sha, a wrong type, 51 annotations, a bad event, a bad date', () => {
    expect(v.validate('POST', '/repos/{owner}/{repo}/check-runs', { name: 1 })).toEqual(
      expect.arrayContaining([expect.stringContaining('head_sha'), expect.stringContaining('/name must be string')]),
    );
    const annotation = { path: 'a.c', start_line: 1, end_line: 1, annotation_level: 'failure', message: 'm' };
    const tooMany = v.validate('PATCH', '/repos/{owner}/{repo}/check-runs/{check_run_id}', { output: { title: 't', summary: 's', annotations: new Array(51).fill(annotation) } });
    expect(tooMany?.join()).toContain('must NOT have more than 50 items');
    expect(v.validate('POST', '/repos/{owner}/{repo}/pulls/{pull_number}/reviews', { event: 'NOPE' })?.join()).toContain('allowed values');
    expect(v.validate('PATCH', '/repos/{owner}/{repo}/check-runs/{check_run_id}', { completed_at: 'yesterday', conclusion: 'success' })?.join()).toContain('date-time');
    expect(v.validate('PATCH', '/repos/{owner}/{repo}/check-runs/{check_run_id}', { conclusion: 'maybe' })?.join()).toContain('allowed values');
  });

  it('knows no body for an endpoint it does not describe', () => {
    expect(v.validate('POST', '/repos/{owner}/{repo}/no-such-thing', {})).toBeUndefined();
  });
});
