import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printedSchema, schemaFile } from '../src/schema/print.js';

describe('schema.graphql', () => {
  it('matches the schema printed from the code (run `npm run schema:print` after a change)', () => {
    expect(readFileSync(schemaFile, 'utf8')).toBe(printedSchema());
  });

  it('has no generic node lookup that would bypass the access checks of each field', () => {
    expect(printedSchema()).not.toMatch(/^\s+node\(/m);
  });
});
