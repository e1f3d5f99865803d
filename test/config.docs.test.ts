// The README's "Configuration" table and .env.example document every variable the schema reads, and the
// example values of variables with a default are that default, so neither can drift from src/config.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const variables = Object.keys(configSchema.shape) as (keyof typeof configSchema.shape)[];

const readme = read('README.md');
const configurationSection = readme.slice(readme.indexOf('\n## Configuration'), readme.indexOf('\n## ', readme.indexOf('\n## Configuration') + 1));
const documentedInReadme = new Set(
  configurationSection
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)),
);

const exampleValues = new Map(
  read('.env.example')
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]+)=(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!] as const),
);

describe('configuration documentation', () => {
  it('the README "Configuration" table has a row for every variable of the schema', () => {
    expect(configurationSection).toContain('| variable | default | meaning |');
    expect(variables.filter((name) => !documentedInReadme.has(name))).toEqual([]);
  });

  it('.env.example lists every variable of the schema, and only variables Clave reads', () => {
    expect(variables.filter((name) => !exampleValues.has(name))).toEqual([]);
    // TEAMS_* are read by `npm run teams:package`, not by the server's schema.
    const unknown = [...exampleValues.keys()].filter((name) => !(name in configSchema.shape) && !name.startsWith('TEAMS_'));
    expect(unknown).toEqual([]);
  });

  it('an example value given for a variable with a default is that default', () => {
    for (const name of variables) {
      const value = exampleValues.get(name);
      const schema = configSchema.shape[name];
      const fallback = schema.parse(undefined);
      if (!value || fallback === undefined) continue;
      expect(schema.parse(value), name).toEqual(fallback);
    }
  });
});
