// The ARM templates in deploymentTemplates/, checked without Azure: well-formed, every parameter defined
// and used, secrets only as secure parameters without defaults (and never in parameters.json), app settings
// that are Clave's own configuration variables, a TLS-only Redis that never evicts, a single-tenant or
// managed-identity bot with Teams and Direct Line, and the new-group variant equal to the existing-group one.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config.js';
import { projectRoot, START_ARGS } from '../helpers/clave-process.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface ParameterSpec {
  type: string;
  defaultValue?: Json;
  allowedValues?: Json[];
  metadata?: { description?: string };
}
interface Template {
  $schema: string;
  contentVersion: string;
  parameters: Record<string, ParameterSpec>;
  variables?: JsonObject;
  resources: JsonObject[];
  outputs?: Record<string, { type: string; value: Json }>;
}

const dir = join(projectRoot, 'deploymentTemplates');
const read = <T>(path: string): T => JSON.parse(readFileSync(join(dir, path), 'utf8')) as T;
const variants = ['deployWithExistingResourceGroup', 'deployWithNewResourceGroup'] as const;
const templates = Object.fromEntries(variants.map((v) => [v, read<Template>(`${v}/template.json`)])) as Record<(typeof variants)[number], Template>;
const isSecure = (spec: ParameterSpec) => /^secure(string|object)$/i.test(spec.type);
const configKeys = Object.keys(configSchema.shape);

/** A nested deployment with inner scope carries a template of its own, checked on its own. */
function nestedTemplates(template: Template): Template[] {
  return template.resources
    .filter((r) => r.type === 'Microsoft.Resources/deployments')
    .map((r) => (r.properties as JsonObject).template as unknown as Template);
}

/** Every string (keys too) in a template, leaving out nested templates. */
function stringsOf(value: Json, skip: Set<Json>, out: string[] = []): string[] {
  if (skip.has(value)) return out;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsOf(v, skip, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      stringsOf(v, skip, out);
    }
  }
  return out;
}

/** The expression strings of one template scope, and whether each one's brackets and quotes balance. */
function expressionsOf(template: Template): string[] {
  const skip = new Set<Json>(nestedTemplates(template) as unknown as Json[]);
  return stringsOf(template as unknown as Json, skip).filter((s) => s.startsWith('[') && !s.startsWith('[['));
}

function balanced(expression: string): boolean {
  if (!expression.endsWith(']')) return false;
  let depth = 0;
  let quoted = false;
  for (const ch of expression.slice(1, -1)) {
    if (ch === "'") quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')' && --depth < 0) return false;
  }
  return depth === 0 && !quoted;
}

const referenced = (expressions: string[], fn: 'parameters' | 'variables') =>
  new Set(expressions.flatMap((e) => [...e.matchAll(new RegExp(`\\b${fn}\\('([^']+)'\\)`, 'g'))].map((m) => m[1]!)));

/** Every template scope in the repository: the two files and the one nested in the new-group file. */
const scopes: [string, Template][] = variants.flatMap((v) => [
  [v, templates[v]] as [string, Template],
  ...nestedTemplates(templates[v]).map((t, i) => [`${v} (nested ${i + 1})`, t] as [string, Template]),
]);

/** The resource-group template (what the nested deployment carries, too). */
const app = templates.deployWithExistingResourceGroup;
const resource = (type: string) => app.resources.filter((r) => r.type === type);

function appSettings(template: Template): Record<string, Json> {
  const settings: Record<string, Json> = {};
  for (const r of template.resources) {
    if (r.type === 'Microsoft.Web/sites/config' && String(r.name).includes('/appsettings')) Object.assign(settings, r.properties as JsonObject);
    const inline = ((r.properties as JsonObject | undefined)?.siteConfig as JsonObject | undefined)?.appSettings;
    if (Array.isArray(inline)) for (const s of inline as JsonObject[]) settings[String(s.name)] = s.value ?? null;
  }
  return settings;
}

describe.each(scopes)('template %s', (_name, template) => {
  it('is a deployment template: $schema, contentVersion, parameters, resources', () => {
    expect(template.$schema).toMatch(/^https:\/\/schema\.management\.azure\.com\/schemas\/\d{4}-\d{2}-\d{2}\/(subscriptionD|d)eploymentTemplate\.json#$/);
    expect(template.contentVersion).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(Object.keys(template.parameters).length).toBeGreaterThan(0);
    expect(Array.isArray(template.resources) && template.resources.length > 0).toBe(true);
    for (const r of template.resources) {
      expect(r.type, JSON.stringify(r).slice(0, 80)).toMatch(/^Microsoft\.\w+\/[\w/]+$/);
      expect(r.apiVersion).toMatch(/^\d{4}-\d{2}-\d{2}(-preview)?$/);
      expect(r.name).toBeTruthy();
    }
  });

  it('has well-formed expressions only', () => {
    const bad = expressionsOf(template).filter((e) => !balanced(e));
    expect(bad).toEqual([]);
  });

  it('defines every parameter and variable it references, and uses every one it defines', () => {
    const expressions = expressionsOf(template);
    const parameters = referenced(expressions, 'parameters');
    expect([...parameters].filter((p) => !(p in template.parameters)), 'referenced but not defined').toEqual([]);
    expect(Object.keys(template.parameters).filter((p) => !parameters.has(p)), 'defined but never used').toEqual([]);
    const variables = referenced(expressions, 'variables');
    expect([...variables].filter((v) => !(v in (template.variables ?? {})))).toEqual([]);
    expect(Object.keys(template.variables ?? {}).filter((v) => !variables.has(v))).toEqual([]);
  });

  it('takes secrets only as secure parameters without defaults, and never outputs them', () => {
    for (const [name, spec] of Object.entries(template.parameters)) {
      if (isSecure(spec)) expect(spec, `${name} must not have a default`).not.toHaveProperty('defaultValue');
      if (/password|secret|key|token/i.test(name)) {
        expect(spec.type === 'string' && 'defaultValue' in spec, `${name} looks secret: securestring, no default`).toBe(false);
      }
      expect(spec.metadata?.description, `${name} is described`).toBeTruthy();
    }
    const secure = Object.entries(template.parameters).filter(([, s]) => isSecure(s)).map(([n]) => n);
    const outputs = JSON.stringify(template.outputs ?? {});
    for (const name of secure) expect(outputs).not.toContain(`parameters('${name}')`);
  });
});

describe('the app the templates deploy', () => {
  it('sets only variables of the configuration schema as app settings, production ones included', () => {
    const settings = appSettings(app);
    const names = Object.keys(settings);
    expect(names.filter((n) => !configKeys.includes(n)), 'not in src/config.ts').toEqual([]);
    for (const required of ['NODE_ENV', 'PUBLIC_BASE_URL', 'SECRET_KEY', 'MICROSOFT_APP_ID', 'MICROSOFT_APP_TYPE', 'MICROSOFT_APP_TENANT_ID', 'MICROSOFT_APP_PASSWORD', 'REDIS_URL', 'SMTP_URL', 'DIRECTORY_URL', 'DIRECTORY_TOKEN']) {
      expect(names).toContain(required);
    }
    expect(settings.NODE_ENV).toBe('production');
    for (const name of ['SECRET_KEY', 'SMTP_URL', 'DIRECTORY_TOKEN', 'METRICS_TOKEN']) expect(settings[name]).toMatch(/^\[parameters\('\w+'\)\]$/);
    // Every secret setting comes from a secure parameter, never from a literal.
    for (const name of names.filter((n) => /PASSWORD|SECRET|TOKEN|KEY/.test(n))) {
      const used = [...String(settings[name]).matchAll(/parameters\('(\w+)'\)/g)].map((m) => m[1]!);
      expect(used.length, name).toBeGreaterThan(0);
      for (const p of used) expect(isSecure(app.parameters[p]!), `${name} from ${p}`).toBe(true);
    }
  });

  it('builds REDIS_URL as rediss://:<key>@<host>:6380 from the cache itself', () => {
    const url = String(appSettings(app).REDIS_URL);
    expect(url).toMatch(/^\[format\('rediss:\/\/:\{0\}@\{1\}:6380', /);
    // The key is base64 (+ / =): percent-encoded, so the URL parses; node-redis decodes it.
    expect(url).toMatch(/uriComponent\(listKeys\(variables\('redisId'\), '[\d-]+'\)\.primaryKey\)/);
    expect(url).toMatch(/reference\(variables\('redisId'\), '[\d-]+'\)\.hostName/);
  });

  it('runs a TLS-only Azure Cache for Redis that never evicts counters (SECURITY.md 12)', () => {
    const [redis] = resource('Microsoft.Cache/redis');
    const properties = redis!.properties as JsonObject;
    expect(properties.enableNonSslPort).toBe(false);
    expect(properties.minimumTlsVersion).toBe('1.2');
    expect((properties.redisConfiguration as JsonObject)['maxmemory-policy']).toBe('noeviction');
  });

  it('runs the web app on Linux with the Node.js line of the Dockerfile, HTTPS only, started like the container', () => {
    const [plan] = resource('Microsoft.Web/serverfarms');
    expect(plan!.kind).toBe('linux');
    expect((plan!.properties as JsonObject).reserved).toBe(true);
    const [site] = resource('Microsoft.Web/sites');
    const properties = site!.properties as JsonObject;
    const siteConfig = properties.siteConfig as JsonObject;
    expect(properties.httpsOnly).toBe(true);
    const major = /^NODE\|(\d+)-lts$/.exec(String(siteConfig.linuxFxVersion))?.[1];
    const dockerMajor = /^FROM node:(\d+)/m.exec(readFileSync(join(projectRoot, 'Dockerfile'), 'utf8'))?.[1];
    expect(major).toBeDefined();
    expect(major).toBe(dockerMajor);
    expect(siteConfig.appCommandLine).toBe(['node', ...START_ARGS].join(' '));
    expect(siteConfig.healthCheckPath).toMatch(/^\/(readyz|healthz)$/);
    expect(siteConfig.minTlsVersion).toBe('1.2');
  });

  it('registers a single-tenant or managed-identity Azure Bot with Teams and Direct Line channels', () => {
    const [bot] = resource('Microsoft.BotService/botServices');
    expect(bot!.kind).toBe('azurebot');
    const properties = bot!.properties as JsonObject;
    expect(properties.msaAppType).toBe("[parameters('appType')]");
    expect([...(app.parameters.appType!.allowedValues ?? [])].sort()).toEqual(['SingleTenant', 'UserAssignedMSI']);
    expect(String(properties.endpoint)).toMatch(/\/api\/messages'/);
    const channels = resource('Microsoft.BotService/botServices/channels').map((c) => (c.properties as JsonObject).channelName);
    expect(channels.sort()).toEqual(['DirectLineChannel', 'MsTeamsChannel']);
  });
});

describe.each(variants)('%s/parameters.json', (variant) => {
  const file = read<{ $schema: string; contentVersion: string; parameters: Record<string, { value?: Json; reference?: Json }> }>(`${variant}/parameters.json`);
  const template = templates[variant];

  it('is a parameters file that names only the template parameters, with values of their type', () => {
    expect(file.$schema).toMatch(/^https:\/\/schema\.management\.azure\.com\/schemas\/\d{4}-\d{2}-\d{2}\/deploymentParameters\.json#$/);
    expect(file.contentVersion).toBe(template.contentVersion);
    for (const [name, entry] of Object.entries(file.parameters)) {
      const spec = template.parameters[name];
      expect(spec, `${name} is a template parameter`).toBeDefined();
      const expected = { string: 'string', int: 'number', bool: 'boolean', object: 'object', array: 'object' }[spec!.type.toLowerCase()];
      expect(typeof entry.value, name).toBe(expected);
      if (spec!.allowedValues) expect(spec!.allowedValues).toContain(entry.value);
    }
  });

  it('gives every required non-secret parameter and no secret at all (secrets go on the command line)', () => {
    for (const [name, spec] of Object.entries(template.parameters)) {
      if (isSecure(spec)) expect(file.parameters, `${name} is secret`).not.toHaveProperty(name);
      else if (!('defaultValue' in spec)) expect(file.parameters, `${name} is required`).toHaveProperty(name);
    }
  });

  it('has a readme that explains every parameter', () => {
    const readme = readFileSync(join(dir, variant, 'readme.md'), 'utf8');
    for (const name of Object.keys(template.parameters)) expect(readme, name).toContain(`\`${name}\``);
  });
});

describe('the new-resource-group variant', () => {
  const outer = templates.deployWithNewResourceGroup;
  const deployment = outer.resources.find((r) => r.type === 'Microsoft.Resources/deployments')!;
  const properties = deployment.properties as JsonObject;

  it('creates the group and deploys exactly the existing-group template into it, in inner scope', () => {
    expect(outer.resources.map((r) => r.type)).toEqual(['Microsoft.Resources/resourceGroups', 'Microsoft.Resources/deployments']);
    expect(properties.expressionEvaluationOptions).toEqual({ scope: 'inner' });
    expect(properties.template).toEqual(app as unknown as Json);
  });

  it('passes every parameter through under its own name, with the same definition', () => {
    const passed = properties.parameters as Record<string, { value: string }>;
    expect(Object.keys(passed).sort()).toEqual(Object.keys(app.parameters).sort());
    for (const [name, { value }] of Object.entries(passed)) {
      expect(value).toBe(`[parameters('${name}')]`);
      const { defaultValue: innerDefault, metadata: _m1, ...inner } = app.parameters[name]!;
      const { defaultValue: outerDefault, metadata: _m2, ...mine } = outer.parameters[name]!;
      expect(mine, name).toEqual(inner);
      if (name !== 'location') expect(outerDefault, name).toEqual(innerDefault);
    }
  });
});

it('deploymentTemplates/README.md points to both variants', () => {
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  for (const variant of variants) {
    expect(readme).toContain(variant);
    expect(existsSync(join(dir, variant, 'readme.md'))).toBe(true);
  }
});
