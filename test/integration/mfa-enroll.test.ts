/**
 * `xacct mfa enroll` as a person runs it: on a real pseudo-terminal (stdout and stderr are pipes, so that what is
 * shown on the terminal alone can be told apart), against moto's IAM behind the checking proxy, which checks the two
 * codes of EnableMFADevice — and the code of the first MFA session — against the seed, as AWS does. The test plays
 * the authenticator app: it reads the secret off the screen and computes the codes (RFC 6238).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { renderUnicodeCompact } from 'uqr';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { motoQuery, requireEnv, runCli, runCliPty, standardMap, startEnv, stripAnsi, xmlValue, type TestEnv } from '../helpers/index.js';
import { answerEnrolment, secretOnScreen } from '../helpers/enrolment.js';
import { repeatedMarker } from '../helpers/iam-checks.js';

const opts = { keyring: true, sts: true, pty: true };
let t: TestEnv;

/** A map with comments, so that "every other byte kept" means something. */
const MAP = `# Alice's map\n${standardMap(undefined, { source: '# keys: xacct add identity' })}`;

/** An IAM user with an access key and no MFA device, made source `identity` (keys stored with xacct add). */
async function userWithoutDevice(name: string): Promise<{ userName: string; accessKeyId: string; secretAccessKey: string }> {
  await motoQuery(t.moto.url, 'iam', 'CreateUser', { UserName: name });
  const key = await motoQuery(t.moto.url, 'iam', 'CreateAccessKey', { UserName: name });
  const user = { userName: name, accessKeyId: xmlValue(key, 'AccessKeyId')!, secretAccessKey: xmlValue(key, 'SecretAccessKey')! };
  const added = await runCli(['add', 'identity'], { env: { ...t.env, AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey } });
  expect(added.code, added.stderr).toBe(0);
  return user;
}

const mfaDevices = async (userName: string) => [...(await motoQuery(t.moto.url, 'iam', 'ListMFADevices', { UserName: userName })).matchAll(/<SerialNumber>([^<]+)</g)].map((m) => m[1]);
const virtualDevices = async () => [...(await motoQuery(t.moto.url, 'iam', 'ListVirtualMFADevices')).matchAll(/<SerialNumber>([^<]+)</g)].map((m) => m[1]);

/** Every file below `dir` (the keyring's own files included). */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return filesBelow(path);
    return e.isFile() ? [path] : [];
  });
}

describe.skipIf(!requireEnv(opts, 'mfa enroll tests'))('xacct mfa enroll', () => {
  let mapFile: string;
  beforeAll(async () => {
    t = await startEnv(opts);
  });
  afterAll(() => t?.stop());
  beforeEach(() => {
    t.sts.reset();
    mapFile = t.home.write('.config/xacct/config.toml', MAP);
  });

  it('shows the QR code and the secret on the terminal only, takes two codes, enables the device, writes mfa_serial, opens the first session', async () => {
    const user = await userWithoutDevice('enr-alice');
    const term = runCliPty(['mfa', 'enroll', 'identity'], { env: t.env, mode: 'pipes', rows: 60 });
    const secret = await secretOnScreen(term);
    const serial = `arn:aws:iam::123456789012:mfa/${user.userName}`;
    // The QR code is that of the device: the otpauth URI of AWS's own QR codes, with this secret.
    const uri = `otpauth://totp/Amazon%20Web%20Services:${user.userName}%40123456789012?secret=${secret}&issuer=Amazon%20Web%20Services`;
    const qr = renderUnicodeCompact(uri, { ecc: 'M' }).split('\n');
    expect(stripAnsi(term.transcript).replace(/\r/g, '')).toContain(qr.join('\n'));

    await answerEnrolment(term, secret, `Enter MFA code for ${serial} (identity): `);
    const r = await term.result();
    expect(r.code, stripAnsi(r.transcript) + r.stderr).toBe(0);

    expect(await mfaDevices(user.userName)).toEqual([serial]);
    expect(readFileSync(mapFile, 'utf8')).toBe(MAP.replace('[sources.identity]\n', `[sources.identity]\nmfa_serial = "${serial}"\n`));
    expect(statSync(mapFile).mode & 0o777).toBe(0o600);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^xacct: enabled the MFA device ${serial} for IAM user enr-alice, and wrote mfa_serial into \\[sources.identity\\] of ${mapFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`));
    expect(r.stderr).toMatch(/xacct: opened the MFA session of identity; it expires at \d\d:\d\d \(in 12h\), and no profile of identity needs a code until then\n$/);
    const session = t.sts.calls.filter((c) => c.action === 'GetSessionToken');
    expect(session).toEqual([expect.objectContaining({ serialNumber: serial, accessKeyId: user.accessKeyId, status: 200 })]);
    expect(t.sts.calls.filter((c) => c.service === 'iam').map((c) => [c.action, c.status])).toEqual([
      ['ListMFADevices', 200],
      ['CreateVirtualMFADevice', 200],
      ['EnableMFADevice', 200],
    ]);
    // The secret was on the terminal, and is in no output and no file under HOME (the keyring's files included).
    expect(r.transcript).toContain(secret.slice(0, 4));
    for (const text of [r.stdout, r.stderr]) expect(text).not.toContain(secret.slice(0, 16));
    for (const file of filesBelow(t.home.dir)) {
      const bytes = readFileSync(file);
      for (const needle of [secret, secret.slice(0, 16), uri]) expect(bytes.includes(needle), `${needle.slice(0, 8)}… in ${file}`).toBe(false);
    }
    // Left on the alternate screen: it is gone from the screen and the scrollback.
    expect(r.transcript).toContain('\x1b[?1049h');
    expect(r.transcript.lastIndexOf('\x1b[?1049l')).toBeGreaterThan(r.transcript.lastIndexOf(secret.slice(0, 4)));

    // Now the source has its device: `assume` needs no code (the first session is cached), and enrolling again is refused.
    const again = runCliPty(['mfa', 'enroll', 'identity'], { env: t.env, mode: 'pipes' });
    const refused = await again.result();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^xacct: source 'identity' has an MFA device already \(mfa_serial = "arn:aws:iam::123456789012:mfa\/enr-alice" in .*\); nothing was done\n/);
  });

  it('refuses without a terminal, before any AWS call', async () => {
    await userWithoutDevice('enr-notty');
    t.sts.reset();
    const r = await runCli(['mfa', 'enroll', 'identity'], { env: t.env });
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe("xacct: mfa enroll needs a terminal: the new device's secret is shown there, and nowhere else\nxacct: run xacct mfa enroll in a terminal\n");
    expect(t.sts.calls).toEqual([]);
  });

  it('when the IAM user has a device already, says so and does nothing', async () => {
    const user = await userWithoutDevice('enr-has');
    const device = await motoQuery(t.moto.url, 'iam', 'CreateVirtualMFADevice', { VirtualMFADeviceName: 'enr-has-phone' });
    const serial = xmlValue(device, 'SerialNumber')!;
    await motoQuery(t.moto.url, 'iam', 'EnableMFADevice', { UserName: user.userName, SerialNumber: serial, AuthenticationCode1: '123456', AuthenticationCode2: '654321' });
    const r = await runCliPty(['mfa', 'enroll', 'identity'], { env: t.env, mode: 'pipes' }).result();
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `xacct: IAM user enr-has has an MFA device already: ${serial}; nothing was done\n` +
        `xacct: to use it with xacct, add this line to [sources.identity] of ${mapFile}: mfa_serial = "${serial}"\n`,
    );
    expect(t.sts.count('CreateVirtualMFADevice')).toBe(0);
    expect(readFileSync(mapFile, 'utf8')).toBe(MAP);
  });

  it('a ListMFADevices Marker that comes back again stops the listing: one line, exit 1, no device made', async () => {
    await userWithoutDevice('enr-loop');
    t.sts.reset();
    t.sts.iam.paging = { action: 'ListMFADevices', mode: 'repeat' };
    const before = await virtualDevices();
    const r = await runCliPty(['mfa', 'enroll', 'identity'], { env: t.env, mode: 'pipes' }).result(30_000);
    expect(r.code).toBe(1);
    const { message, hint } = repeatedMarker('ListMFADevices', t.sts.url);
    expect(r.stderr).toBe(`xacct: ${message}\nxacct: ${hint}\n`);
    expect(t.sts.count('ListMFADevices')).toBe(2);
    expect(t.sts.count('CreateVirtualMFADevice')).toBe(0);
    expect(await virtualDevices()).toEqual(before);
    expect(readFileSync(mapFile, 'utf8')).toBe(MAP);
  });

  it('deletes the device when the codes are refused three times, on Ctrl-C, SIGTERM or SIGHUP; the map is left as it was', async () => {
    const user = await userWithoutDevice('enr-wrong');
    const term = runCliPty(['mfa', 'enroll', 'identity'], { env: t.env, mode: 'pipes', rows: 60 });
    await secretOnScreen(term);
    for (let i = 0; i < 3; i++) {
      await term.expect('Code shown by the app now:');
      term.write('000000\r');
      await term.expect('The next code (wait until it changes):');
      term.write('111111\r');
    }
    const r = await term.result();
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `xacct: deleted the new MFA device arn:aws:iam::123456789012:mfa/${user.userName} again: it was not enabled\n` +
        'xacct: AWS refused the two MFA codes: they are not two consecutive codes of the new device\n' +
        'xacct: type the code shown, then wait for the next one and type it\n',
    );
    expect(stripAnsi(r.transcript)).toContain('AWS refused these two codes');
    expect(await virtualDevices()).not.toContain(`arn:aws:iam::123456789012:mfa/${user.userName}`);
    expect(readFileSync(mapFile, 'utf8')).toBe(MAP);

    const cancelled = runCliPty(['mfa', 'enroll', 'identity', '--device-name', 'enr-wrong-2'], { env: t.env, mode: 'pipes', rows: 60 });
    await secretOnScreen(cancelled);
    await cancelled.expect('Code shown by the app now:');
    cancelled.write('\x03');
    const c = await cancelled.result();
    expect(c.code).toBe(130);
    expect(c.stderr).toContain('xacct: deleted the new MFA device arn:aws:iam::123456789012:mfa/enr-wrong-2 again: it was not enabled\n');
    expect(await virtualDevices()).not.toContain('arn:aws:iam::123456789012:mfa/enr-wrong-2');

    // A kill (`kill` sends SIGTERM, the terminal closing SIGHUP) while the codes are asked for: deleted too.
    for (const [signal, code, device] of [['SIGTERM', 143, 'enr-wrong-3'], ['SIGHUP', 129, 'enr-wrong-4']] as const) {
      const killed = runCliPty(['mfa', 'enroll', 'identity', '--device-name', device], { env: t.env, mode: 'pipes', rows: 60 });
      await secretOnScreen(killed);
      await killed.expect('Code shown by the app now:');
      killed.kill(signal);
      const k = await killed.result();
      expect(k.code, signal).toBe(code);
      expect(k.stderr).toContain(`xacct: deleted the new MFA device arn:aws:iam::123456789012:mfa/${device} again: it was not enabled\n`);
      expect(await virtualDevices()).not.toContain(`arn:aws:iam::123456789012:mfa/${device}`);
    }
    expect(await mfaDevices(user.userName)).toEqual([]);
    expect(readFileSync(mapFile, 'utf8')).toBe(MAP);
  });

  it('a device name already taken is one clear line saying what to do; a bad --device-name is a usage error', async () => {
    await userWithoutDevice('enr-taken');
    await motoQuery(t.moto.url, 'iam', 'CreateVirtualMFADevice', { VirtualMFADeviceName: 'enr-taken' });
    const r = await runCliPty(['mfa', 'enroll', 'identity'], { env: t.env, mode: 'pipes' }).result();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^xacct: a virtual MFA device named 'enr-taken' exists already in the account \(EntityAlreadyExists\)\nxacct: choose another name with --device-name/);
    const bad = await runCli(['mfa', 'enroll', 'identity', '--device-name', 'my phone'], { env: t.env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^xacct: 'my phone' is not a device name IAM takes/);
  });
});
