// What Clave needs from a company's identity system. The demo JSON directory implements it here;
// an HTTP adapter against a documented REST contract implements the same interface.
export interface Account {
  id: string;
  name: string;
  email?: string | undefined;
  altEmail?: string | undefined;
  phone?: string | undefined;
  phoneVerified: boolean;
  locale?: 'es' | 'en' | undefined;
  hasTotp: boolean;
  hasRecoveryCodes: boolean;
}

export interface AccountDirectory {
  /** Matches the primary or the alternate email, case-insensitively. */
  findByEmail(email: string): Promise<Account | null>;
  /** Takes an E.164 number. */
  findByPhone(phone: string): Promise<Account | null>;
  getById(id: string): Promise<Account | null>;
  /** Checks an authenticator code, refusing a time step already used for this account. */
  verifyTotp(accountId: string, code: string, nowMs: number): Promise<boolean>;
  /** Burns a recovery code; true only the first time a valid code is used. */
  consumeRecoveryCode(accountId: string, code: string): Promise<boolean>;
  setPassword(accountId: string, newPassword: string): Promise<void>;
  /** Ends every signed-in session of the account; returns how many there were. */
  revokeSessions(accountId: string): Promise<number>;
  /** Normal sign-in (the demo's, and the proof that a recovery lockout never blocks it). */
  signIn(identifier: string, password: string): Promise<{ accountId: string; session: string } | null>;
  isSessionValid(session: string): Promise<boolean>;
  /**
   * Optional: recent sign-ins and devices, shown only to a human agent during a handoff. Null when the
   * directory has none for the account. The HTTP directory asks the contract's optional activity endpoint.
   */
  recentActivity?(accountId: string): Promise<DirectoryActivity | null>;
}

/** Same shape as the HTTP contract's activity (docs/directory-api.openapi.yaml). */
export interface DirectoryActivity {
  signIns: { at: string; success: boolean; device?: string | undefined; location?: string | undefined }[];
  devices: { name: string; lastSeenAt?: string | undefined }[];
}
