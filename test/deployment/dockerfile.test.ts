// The Dockerfile, read as the builder reads it (no Docker engine here): a Node.js the project supports and
// CI tests, a non-root user, production mode, production dependencies that are enough to run, the command
// the shutdown test runs, and a health check that really works against the running app.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/bot-harness.js';
import { freePort, projectRoot, START_ARGS } from '../helpers/clave-process.js';

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions with their continuation lines joined; comments and blank lines dropped. */
function parseDockerfile(source: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/s.exec(full) ?? [];
    instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return instructions;
}

/** Does a Node major satisfy an engines range like ">=20.11", "^22", ">=20 <25" or "20 || 22"? (latest minor assumed) */
function majorSatisfies(range: string, major: number): boolean {
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .every((comparator) => {
        const [, op = '', version = ''] = /^(>=|<=|>|<|\^|~|=)?v?(\d+)/.exec(comparator) ?? [];
        const wanted = Number(version);
        if (op === '>=' || op === '>') return major >= wanted;
        if (op === '<') return major < wanted;
        if (op === '<=') return major <= wanted;
        return major === wanted;
      }),
  );
}

const dockerfile = parseDockerfile(readFileSync(join(projectRoot, 'Dockerfile'), 'utf8'));
const packageJson = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const all = (keyword: string) => dockerfile.filter((i) => i.keyword === keyword);
const last = (keyword: string) => all(keyword).at(-1);
const execForm = (args: string) => JSON.parse(args) as string[];

describe('Dockerfile', () => {
  it('reads its own syntax: the helpers understand ranges and continuations', () => {
    expect(majorSatisfies('>=20.11', 22)).toBe(true);
    expect(majorSatisfies('>=20.11', 18)).toBe(false);
    expect(majorSatisfies('^20 || ^22', 21)).toBe(false);
    expect(majorSatisfies('>=20 <23', 24)).toBe(false);
    expect(parseDockerfile('FROM a\nRUN x \\\n  y\n# c\nUSER n')).toEqual([
      { keyword: 'FROM', args: 'a' },
      { keyword: 'RUN', args: 'x  y' },
      { keyword: 'USER', args: 'n' },
    ]);
  });

  it('builds on an official Node.js image whose major the project supports and CI tests', () => {
    const froms = all('FROM');
    expect(froms).toHaveLength(1);
    const image = /^node:(\d+)(-[a-z0-9.-]+)?$/.exec(froms[0]!.args.split(/\s+/)[0]!);
    expect(image, `FROM ${froms[0]!.args}`).not.toBeNull();
    const major = Number(image![1]);
    expect(majorSatisfies(packageJson.engines.node, major), `engines ${packageJson.engines.node}`).toBe(true);
    expect(major % 2, 'an LTS line').toBe(0);
    // CI runs the suite on the machine's Node and on every node@N it installs (.ci/run).
    const ciMajors = [...readFileSync(join(projectRoot, '.ci/run'), 'utf8').matchAll(/node@(\d+)/g)].map((m) => Number(m[1]));
    expect(ciMajors).toContain(major);
  });

  it('runs as a non-root user, in production mode, on the default port', () => {
    const user = last('USER');
    expect(user, 'a USER instruction').toBeDefined();
    expect(user!.args.split(':')[0]).not.toMatch(/^(root|0)$/);
    const lastUserIndex = dockerfile.lastIndexOf(user!);
    expect(dockerfile.findIndex((i) => i.keyword === 'CMD')).toBeGreaterThan(lastUserIndex);
    expect(all('ENV').map((i) => i.args).join(' ')).toMatch(/\bNODE_ENV=production\b/);
    expect(all('EXPOSE').map((i) => i.args)).toEqual(['3978']);
  });

  it('starts node itself (PID 1 gets SIGTERM) with the command the shutdown test runs', () => {
    expect(execForm(last('CMD')!.args)).toEqual(['node', ...START_ARGS]);
    expect(all('ENTRYPOINT')).toEqual([]);
  });

  it('installs production dependencies only, and they are enough to run', () => {
    const install = all('RUN').find((i) => /\bnpm ci\b/.test(i.args));
    expect(install?.args).toMatch(/--omit=dev/);
    expect(packageJson.dependencies).toHaveProperty('tsx');
    // Every package the running code imports must survive --omit=dev.
    const imported = new Set<string>();
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.ts$/.test(name)) {
          const source = readFileSync(path, 'utf8');
          const statements = /^\s*(?:import|export)\s[^'";]*?from\s+'([^'.][^']*)'|^\s*import\s+'([^'.][^']*)'|\bimport\(\s*'([^'.][^']*)'\s*\)/gm;
          for (const m of source.matchAll(statements)) imported.add((m[1] ?? m[2] ?? m[3])!);
        }
      }
    };
    for (const dir of ['src', 'dialogs', 'machines']) walk(join(projectRoot, dir));
    const packages = [...imported]
      .filter((spec) => !spec.startsWith('node:') && !builtinModules.includes(spec))
      .map((spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!));
    expect(packages.length).toBeGreaterThan(5);
    for (const name of new Set(packages)) expect(Object.keys(packageJson.dependencies), `${name} is imported at run time`).toContain(name);
  });

  it('keeps secrets, tests and local dependencies out of the build context', () => {
    const ignored = readFileSync(join(projectRoot, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['.env', 'node_modules', '.git', 'test']) expect(ignored).toContain(entry);
    expect(all('COPY').every((i) => !/\.env\b/.test(i.args))).toBe(true);
  });

  describe('its HEALTHCHECK, run against the app', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness();
    });
    afterAll(() => h.close());

    const healthcheck = () => {
      const instruction = last('HEALTHCHECK');
      expect(instruction).toBeDefined();
      const cmd = /CMD\s+(\[.*\])\s*$/s.exec(instruction!.args)?.[1];
      expect(cmd, 'exec form, no shell needed').toBeDefined();
      const [program, ...args] = execForm(cmd!);
      expect(program).toBe('node');
      // Asynchronously: the app answering it runs in this process.
      return (port: number) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, timeout: 15_000 });
          child.on('exit', (code) => resolve(code));
        });
    };

    it('passes while the app serves /healthz and fails when nothing listens', async () => {
      const run = healthcheck();
      expect(await run(Number(new URL(h.baseUrl).port))).toBe(0);
      expect(await run(await freePort())).toBe(1);
    });
  });
});
