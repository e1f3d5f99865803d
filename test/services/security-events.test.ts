// Which audit events a company's directory receives (POST /accounts/{id}/events): every AuditEventName is
// either on the directory's list or kept in Clave's own trail for a stated reason, and that list is the same in
// the adapter (securityEventTypes) and in docs/directory-api.openapi.yaml. A new audit event fails `tsc` here
// until someone decides where it goes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuditEventName } from '../../src/services/audit-log.js';
import { securityEventSchema, securityEventTypes } from '../../src/services/http-directory.js';
import { parseYamlSubset } from '../helpers/yaml-subset.js';

/** 'directory', or why the event stays in Clave's trail only. */
const destination: Record<AuditEventName, 'directory' | string> = {
  code_sent: 'directory',
  code_verified: 'directory',
  code_failed: 'directory',
  second_factor_verified: 'directory',
  second_factor_failed: 'directory',
  locked: 'directory',
  reset_link_issued: 'directory',
  reset_completed: 'directory',
  recovery_code_reissued: 'directory',
  handoff: 'directory',
  identify: 'names no account yet: an identifier typed, before anything is known about it',
  code_send_held: "Clave's own send limits at work; nothing happened to the account",
  owner_check: 'evidence for a support agent; the wrong answers reach the directory as the lockout they count toward',
  security_answer: 'evidence for a support agent; the wrong answers reach the directory as the lockout they count toward',
  delivery_failed: "the health of Clave's email and SMS providers, not of the account",
  handoff_accepted: "the support desk's own workflow",
  agent_verified: "the support desk's own workflow; the agent's tools keep their own record",
  handoff_ended: "the support desk's own workflow",
  handoff_ticket_filed: "the support desk's own workflow",
  agent_signed_in: 'about an agent of the support desk, not a customer account',
  agent_sign_in_failed: 'about an agent of the support desk, not a customer account',
};

type JsonObject = Record<string, unknown>;
const openapi = parseYamlSubset(readFileSync(new URL('../../docs/directory-api.openapi.yaml', import.meta.url), 'utf8')) as JsonObject;
const yamlEnum = () => {
  const schemas = (openapi.components as JsonObject).schemas as JsonObject;
  const type = ((schemas.SecurityEvent as JsonObject).properties as JsonObject).type as JsonObject;
  return type.enum as string[];
};

describe('the security events a directory receives', () => {
  const forDirectory = Object.entries(destination).filter(([, where]) => where === 'directory').map(([name]) => name).sort();

  it('the adapter sends exactly the audit events marked for the directory', () => {
    expect([...securityEventTypes].sort()).toEqual(forDirectory);
    for (const type of securityEventTypes) expect(securityEventSchema.safeParse({ type, at: '2026-01-01T12:00:00Z', outcome: 'ok' }).success, type).toBe(true);
  });

  it('docs/directory-api.openapi.yaml lists the same event types as the adapter', () => {
    console.log(`directory security events (${yamlEnum().length}): ${yamlEnum().join(', ')}`);
    expect([...yamlEnum()].sort()).toEqual([...securityEventTypes].sort());
    expect(yamlEnum()).toContain('recovery_code_reissued');
  });

  it('every event kept out of the directory says why', () => {
    for (const [name, where] of Object.entries(destination)) if (where !== 'directory') expect(where.length, name).toBeGreaterThan(20);
  });
});
