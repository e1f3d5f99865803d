// RFC 6238 checks for authenticator codes: 30 s steps, 6 digits, the current or the previous step only,
// and never a step at or before the last one accepted for the account (replay).
import { verify } from 'otplib';

export interface TotpResult {
  valid: boolean;
  step: number | null;
}

export async function checkTotp(
  secret: string,
  token: string,
  nowMs: number,
  lastAcceptedStep: number | null,
): Promise<TotpResult> {
  if (!/^\d{6}$/.test(token)) return { valid: false, step: null };
  const result = await verify({
    secret,
    token,
    epoch: Math.floor(nowMs / 1000),
    // One previous step (30 s) back, none ahead.
    epochTolerance: [30, 0],
    ...(lastAcceptedStep !== null ? { afterTimeStep: lastAcceptedStep } : {}),
  });
  return result.valid ? { valid: true, step: (result as { timeStep: number }).timeStep } : { valid: false, step: null };
}
