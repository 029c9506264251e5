import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import { codegenConfig } from '../codegen.js';

const root = path.resolve(import.meta.dirname, '..');
const generatedDir = path.join(root, 'client/generated');

describe('client/generated', () => {
  it('matches what codegen makes from schema.graphql and client/operations (run `npm run codegen` after a change)', async () => {
    // The same configuration as `npm run codegen`, kept in memory instead of written out.
    const outputs: { filename: string; content: string }[] = await generate({ ...codegenConfig, cwd: root }, false);
    const expected = Object.fromEntries(
      outputs.map((o) => [path.relative(generatedDir, path.resolve(root, o.filename)), o.content]),
    );
    const committed = Object.fromEntries(
      readdirSync(generatedDir).map((name) => [name, readFileSync(path.join(generatedDir, name), 'utf8')]),
    );
    expect(Object.keys(committed).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, content] of Object.entries(expected)) expect(committed[name], name).toBe(content);
  });
});
