import { PNG } from 'pngjs';
import jsQRModule from 'jsqr';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../src/features/two-factor/totp.js';
import { startServer, type TestServer } from './harness.js';
import { createAccount, ME, SIGN_IN } from './flows.js';

// jsqr is CommonJS with an ES-style default export; Node hands over the module object.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ??
  jsQRModule) as unknown as typeof import('jsqr').default;

// A frozen, movable clock: TOTP steps are 30 s, and replay rules depend on them.
let clock = new Date('2026-12-04T12:00:05Z');
const advance = (seconds: number) => (clock = new Date(clock.getTime() + seconds * 1000));

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ services: { now: () => clock } });
});
afterAll(() => server.close());

const SETUP = `mutation($input: SetupTwoFactorInput!) { setupTwoFactor(input: $input) {
  __typename ... on TwoFactorSetup { secret uri qrCodeSvg qrCodePng } ... on Error { code } } }`;
const ACTIVATE = `mutation($code: String!) { activateTwoFactor(input: { code: $code }) {
  __typename ... on BackupCodes { backupCodes user { twoFactorEnabled backupCodesRemaining } } ... on Error { code } } }`;
const REGENERATE = `mutation($code: String!) { regenerateBackupCodes(input: { code: $code }) {
  __typename ... on BackupCodes { backupCodes } ... on Error { code } } }`;
const DISABLE = `mutation($input: DisableTwoFactorInput!) { disableTwoFactor(input: $input) {
  __typename ... on User { twoFactorEnabled } ... on Error { code } } }`;

/** A signed-in account with two-factor on; returns its secret and backup codes. */
async function accountWithTwoFactor() {
  const account = await createAccount(server);
  const setup = await server.gql(SETUP, { input: { password: account.password } }, { token: account.token });
  const { secret } = setup.data.setupTwoFactor;
  const activated = await server.gql(ACTIVATE, { code: await totpCode(secret, clock) }, { token: account.token });
  expect(activated.data.activateTwoFactor.__typename).toBe('BackupCodes');
  return {
    ...account,
    secret: secret as string,
    backupCodes: activated.data.activateTwoFactor.backupCodes as string[],
  };
}

const signInWith = (email: string, password: string, extra: Record<string, string> = {}) =>
  server.gql(SIGN_IN, { input: { email, password, ...extra } }).then((r) => r.data.signInEmailPassword);

describe('TOTP known answers', () => {
  // RFC 6238 appendix B (SHA-1) and RFC 4226 appendix D share this 20-byte secret.
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

  it.each([
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
    [20000000000, '353130'],
  ])('RFC 6238 at T=%i gives %s (last six digits)', async (seconds, code) => {
    expect(await totpCode(secret, new Date(seconds * 1000))).toBe(code);
  });

  it('RFC 4226 HOTP vectors for counters 0 to 9', async () => {
    const expected = [
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ];
    const codes = await Promise.all(expected.map((_, counter) => generate({ secret, strategy: 'hotp', counter })));
    expect(codes).toEqual(expected);
  });
});

describe('turning two-factor on', () => {
  it('returns a 160-bit secret, its otpauth URI and a QR code that decodes back to the URI', async () => {
    const { token, password, email } = await createAccount(server);
    const res = await server.gql(SETUP, { input: { password } }, { token });
    const setup = res.data.setupTwoFactor;
    expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.uri).toBe(`otpauth://totp/Suward:${encodeURIComponent(email)}?secret=${setup.secret}&issuer=Suward`);
    expect(setup.qrCodeSvg).toContain('<svg');
    const png = PNG.sync.read(Buffer.from(setup.qrCodePng.replace(/^data:image\/png;base64,/, ''), 'base64'));
    expect(jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data).toBe(setup.uri);

    // Nothing changes for sign-in while setup is pending, and the pending secret's codes are refused.
    expect((await signInWith(email, password)).__typename).toBe('SignInSuccess');
    const pendingCode = await totpCode(setup.secret, clock);
    expect((await signInWith(email, password, { code: pendingCode })).__typename).toBe('SignInSuccess');
    const me = await server.gql(ME, {}, { token });
    expect(me.data.me.twoFactorEnabled).toBe(false);
  });

  it('activates with a current code, gives ten one-time backup codes, and mails a notice', async () => {
    const { token, email, backupCodes } = await accountWithTwoFactor();
    expect(backupCodes).toHaveLength(10);
    expect(new Set(backupCodes).size).toBe(10);
    for (const code of backupCodes) expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    const me = await server.gql(ME, {}, { token });
    expect(me.data.me).toMatchObject({ twoFactorEnabled: true, backupCodesRemaining: 10 });
    expect((await server.lastMail(email)).tag).toBe('two-factor-enabled');
  });

  it('refuses activation with a wrong code or without a pending setup', async () => {
    const { token, password } = await createAccount(server);
    const none = await server.gql(ACTIVATE, { code: '123456' }, { token });
    expect(none.data.activateTwoFactor).toMatchObject({ __typename: 'InvalidInputError' });
    const setup = await server.gql(SETUP, { input: { password } }, { token });
    const good = await totpCode(setup.data.setupTwoFactor.secret, clock);
    const wrong = String((Number(good) + 1) % 1_000_000).padStart(6, '0');
    expect((await server.gql(ACTIVATE, { code: wrong }, { token })).data.activateTwoFactor.code).toBe(
      'INVALID_TWO_FACTOR_CODE',
    );
  });

  it('needs the password to start setup, and a current code when two-factor is already on', async () => {
    const { token, password, secret } = await accountWithTwoFactor();
    const wrongPassword = await server.gql(SETUP, { input: { password: 'not-my-password' } }, { token });
    expect(wrongPassword.data.setupTwoFactor.code).toBe('INVALID_CREDENTIALS');
    const noCode = await server.gql(SETUP, { input: { password } }, { token });
    expect(noCode.data.setupTwoFactor.code).toBe('TWO_FACTOR_REQUIRED');
    advance(30);
    const withCode = await server.gql(SETUP, { input: { password, code: await totpCode(secret, clock) } }, { token });
    expect(withCode.data.setupTwoFactor.__typename).toBe('TwoFactorSetup');
  });
});

describe('signing in with two-factor on', () => {
  it('asks for the second factor and issues nothing without it', async () => {
    const { email, password, userId } = await accountWithTwoFactor();
    const sessionsBefore = await server.services.db.session.count({ where: { userId } });
    const res = await server.gql(SIGN_IN, { input: { email, password } });
    expect(res.data.signInEmailPassword).toMatchObject({
      __typename: 'TwoFactorRequiredError',
      code: 'TWO_FACTOR_REQUIRED',
    });
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await server.services.db.session.count({ where: { userId } })).toBe(sessionsBefore);
    const wrongPassword = await signInWith(email, 'not-the-password');
    expect(wrongPassword.code).toBe('INVALID_CREDENTIALS');
  });

  it('accepts a code once: the activation code, the same code again, and in the next step are refused', async () => {
    const { email, password, secret } = await accountWithTwoFactor();
    const activationCode = await totpCode(secret, clock);
    expect((await signInWith(email, password, { code: activationCode })).code).toBe('INVALID_TWO_FACTOR_CODE');
    advance(30);
    const code = await totpCode(secret, clock);
    expect((await signInWith(email, password, { code })).__typename).toBe('SignInSuccess');
    expect((await signInWith(email, password, { code })).code).toBe('INVALID_TWO_FACTOR_CODE');
    advance(30);
    expect((await signInWith(email, password, { code })).code).toBe('INVALID_TWO_FACTOR_CODE');
    expect((await signInWith(email, password, { code: await totpCode(secret, clock) })).__typename).toBe(
      'SignInSuccess',
    );
  });

  it('lets only one of two concurrent uses of a code through', async () => {
    const { email, password, secret } = await accountWithTwoFactor();
    advance(30);
    const code = await totpCode(secret, clock);
    const results = await Promise.all([signInWith(email, password, { code }), signInWith(email, password, { code })]);
    expect(results.map((r) => r.__typename).sort()).toEqual(['InvalidTwoFactorCodeError', 'SignInSuccess']);
  });

  it('accepts a code from one step before or after, and not two', async () => {
    const { email, password, secret } = await accountWithTwoFactor();
    advance(120);
    expect(
      (await signInWith(email, password, { code: await totpCode(secret, new Date(clock.getTime() + 30_000)) }))
        .__typename,
    ).toBe('SignInSuccess');
    advance(120);
    expect(
      (await signInWith(email, password, { code: await totpCode(secret, new Date(clock.getTime() - 60_000)) })).code,
    ).toBe('INVALID_TWO_FACTOR_CODE');
  });

  it('accepts a backup code once, in any case and spacing, and mails how many remain', async () => {
    const { email, password, token, backupCodes } = await accountWithTwoFactor();
    const typed = ` ${backupCodes[0]!.toUpperCase().replace(/-/g, ' ')} `;
    expect((await signInWith(email, password, { backupCode: typed })).__typename).toBe('SignInSuccess');
    expect((await signInWith(email, password, { backupCode: backupCodes[0]! })).code).toBe('INVALID_TWO_FACTOR_CODE');
    expect((await server.gql(ME, {}, { token })).data.me.backupCodesRemaining).toBe(9);
    const notice = await server.lastMail(email);
    expect(notice.tag).toBe('backup-code-used');
    expect(notice.text).toContain('9 unused codes remain');
  });

  it('gives exactly one session for 30 concurrent sign-ins with the same backup code', async () => {
    const { email, password, token, userId, backupCodes } = await accountWithTwoFactor();
    const before = await server.services.db.session.count({ where: { userId } });
    const results = await Promise.all(
      Array.from({ length: 30 }, () => signInWith(email, password, { backupCode: backupCodes[1]! })),
    );
    expect(results.filter((r) => r.__typename === 'SignInSuccess')).toHaveLength(1);
    expect(await server.services.db.session.count({ where: { userId } })).toBe(before + 1);
    expect((await server.gql(ME, {}, { token })).data.me.backupCodesRemaining).toBe(9);
  });

  it('gives exactly one session for the same backup code in 30 aliases of one request', async () => {
    const { email, password, token, userId, backupCodes } = await accountWithTwoFactor();
    const fields = Array.from(
      { length: 30 },
      (_, i) => `a${i}: signInEmailPassword(input: $input) { __typename }`,
    ).join('\n');
    const res = await server.gql(`mutation($input: SignInEmailPasswordInput!) { ${fields} }`, {
      input: { email, password, backupCode: backupCodes[2] },
    });
    const typenames = Object.values(res.data).map((r: any) => r.__typename);
    expect(typenames.filter((t) => t === 'SignInSuccess')).toHaveLength(1);
    expect(await server.services.db.session.count({ where: { userId } })).toBe(2);
    expect((await server.gql(ME, {}, { token })).data.me.backupCodesRemaining).toBe(9);
  });

  it('never accepts random strings as backup codes, and stores only hashes', async () => {
    const { email, password, userId, backupCodes } = await accountWithTwoFactor();
    for (const guess of ['aaaa-bbbb-cccc', 'x'.repeat(5000), '', '0000-0000-0000']) {
      const r = await signInWith(email, password, { backupCode: guess });
      expect(['InvalidTwoFactorCodeError', 'TwoFactorRequiredError', 'RateLimitedError']).toContain(r.__typename);
    }
    const rows = await server.services.db.backupCode.findMany({ where: { userId } });
    const stored = JSON.stringify(rows);
    for (const code of backupCodes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace(/-/g, ''));
    }
  });
});

describe('lockout after wrong codes', () => {
  it('locks after five wrong codes on every path, and a locked account never learns if its password was right', async () => {
    const { email, password, secret, token } = await accountWithTwoFactor();
    for (let i = 0; i < 3; i++)
      expect((await signInWith(email, password, { code: '000000' })).code).toBe('INVALID_TWO_FACTOR_CODE');
    // Wrong codes on other paths count against the same budget.
    expect((await server.gql(REGENERATE, { code: '000000' }, { token })).data.regenerateBackupCodes.code).toBe(
      'INVALID_TWO_FACTOR_CODE',
    );
    expect((await signInWith(email, password, { backupCode: 'aaaa-bbbb-cccc' })).code).toBe('INVALID_TWO_FACTOR_CODE');

    advance(30);
    const good = await totpCode(secret, clock);
    const locked = await signInWith(email, password, { code: good });
    expect(locked).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    expect(locked.retryAfterSeconds).toBeGreaterThan(0);
    const wrongPassword = await signInWith(email, 'not-the-password', { code: good });
    expect(wrongPassword.__typename).toBe('RateLimitedError');
    const actions = (await server.services.db.auditEvent.findMany({ where: { actor: { email } } })).map(
      (e) => e.action,
    );
    expect(actions).toContain('two_factor.locked_out');
  });
});

describe('regenerating codes and turning two-factor off', () => {
  it('regenerates a fresh set with a current code and retires every old code', async () => {
    const { email, password, token, secret, backupCodes } = await accountWithTwoFactor();
    advance(30);
    const res = await server.gql(REGENERATE, { code: await totpCode(secret, clock) }, { token });
    const fresh = res.data.regenerateBackupCodes.backupCodes as string[];
    expect(fresh).toHaveLength(10);
    expect(fresh.some((c) => backupCodes.includes(c))).toBe(false);
    expect((await signInWith(email, password, { backupCode: backupCodes[3]! })).code).toBe('INVALID_TWO_FACTOR_CODE');
    expect((await signInWith(email, password, { backupCode: fresh[0]! })).__typename).toBe('SignInSuccess');
    const tags = server.mail.filter((m) => m.to === email).map((m) => m.tag);
    expect(tags).toContain('backup-codes-regenerated');
    // A backup code cannot stand in for the TOTP code here.
    expect((await server.gql(REGENERATE, { code: fresh[1]! }, { token })).data.regenerateBackupCodes.code).toBe(
      'INVALID_TWO_FACTOR_CODE',
    );
  });

  it('turns off with password and a code, deletes secret and codes, and ends other sessions', async () => {
    const { email, password, token, secret, backupCodes, userId } = await accountWithTwoFactor();
    advance(30);
    const other = (await signInWith(email, password, { code: await totpCode(secret, clock) })).token;
    const wrong = await server.gql(
      DISABLE,
      { input: { password: 'not-the-password', backupCode: backupCodes[0] } },
      { token },
    );
    expect(wrong.data.disableTwoFactor.code).toBe('INVALID_CREDENTIALS');
    const noCode = await server.gql(DISABLE, { input: { password } }, { token });
    expect(noCode.data.disableTwoFactor.code).toBe('TWO_FACTOR_REQUIRED');
    const off = await server.gql(DISABLE, { input: { password, backupCode: backupCodes[0] } }, { token });
    expect(off.data.disableTwoFactor).toEqual({ __typename: 'User', twoFactorEnabled: false });

    expect((await server.gql(ME, {}, { token: other })).data.me).toBeNull();
    expect((await server.gql(ME, {}, { token })).data.me).toMatchObject({
      twoFactorEnabled: false,
      backupCodesRemaining: 0,
    });
    const user = await server.services.db.user.findUniqueOrThrow({ where: { id: userId } });
    expect(user.totpSecret).toBeNull();
    expect(await server.services.db.backupCode.count({ where: { userId } })).toBe(0);
    expect((await signInWith(email, password)).__typename).toBe('SignInSuccess');
    expect(server.mail.filter((m) => m.to === email).map((m) => m.tag)).toContain('two-factor-disabled');
  });
});

describe('secrets at rest and the audit trail', () => {
  it('keeps the TOTP secret only as AES-256-GCM ciphertext', async () => {
    const { userId, secret } = await accountWithTwoFactor();
    const rows = await server.services.db.$queryRawUnsafe<Record<string, unknown>[]>(
      'SELECT * FROM "User" WHERE id = $1::uuid',
      userId,
    );
    const dump = JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(secret.toLowerCase());
    expect(rows[0]!.totpSecret).toMatch(/^v1\./);
  });

  it('writes every two-factor event', async () => {
    const { email, password, token, secret, backupCodes } = await accountWithTwoFactor();
    await signInWith(email, password, { code: '000000' });
    await signInWith(email, password, { backupCode: backupCodes[0]! });
    advance(30);
    await server.gql(REGENERATE, { code: await totpCode(secret, clock) }, { token });
    advance(30);
    await server.gql(DISABLE, { input: { password, code: await totpCode(secret, clock) } }, { token });
    const actions = (await server.services.db.auditEvent.findMany({ where: { actor: { email } } })).map(
      (e) => e.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        'two_factor.setup_started',
        'two_factor.enabled',
        'two_factor.code_rejected',
        'two_factor.backup_code_used',
        'two_factor.backup_codes_regenerated',
        'two_factor.disabled',
      ]),
    );
  });
});
