/**
 * `xacct mfa enroll <source> [--device-name <name>]`: a virtual MFA device for the source's IAM user. Its secret
 * is shown on the terminal only (a QR code and the Base32 text), two consecutive codes enable it, `mfa_serial` is
 * written into the source's table of the profile map, and the first MFA session can be opened at once.
 * Nothing is created before everything that can be checked first is (terminal, map, no device yet); a device that
 * could not be enabled (refused codes, Ctrl-C, a signal) is deleted again.
 */
import { UsageError, XacctError, AwsError } from '../core/errors.js';
import { groupedSecret, otpauthUri } from '../core/otpauth.js';
import type { Env } from '../core/paths.js';
import type { AwsCredentials } from '../core/credentials.js';
import type { VirtualMfaDevice } from '../core/ports.js';
import { withMfaSerial } from '../core/profile-map/set-source-key.js';
import { readExisting, replaceExisting } from '../adapters/config-files/text-file.js';
import { INVALID_MFA_CODES } from '../adapters/iam-errors.js';
import { normaliseMfaCode } from '../adapters/prompt/mfa-code.js';
import type { SecretScreen } from '../adapters/prompt/secret-screen.js';
import { iamUserOf, openSourceIdentity, type IamUser, type SourceIdentity } from './source-identity.js';

export interface EnrollRequest {
  readonly source: string;
  readonly deviceName?: string;
  /** Lines for people (on stderr) about what is being done. */
  readonly report: (line: string) => void;
}

export interface EnrollResult {
  readonly serialNumber: string;
  readonly userName: string;
  readonly mapFile: string;
  /** When the first MFA session was opened, its end. */
  readonly sessionUntil?: Date;
}

/** IAM's VirtualMFADeviceName. */
const DEVICE_NAME = /^[\w+=,.@-]{1,226}$/;
/** Pairs of codes asked for before the device is given up. */
const CODE_ATTEMPTS = 3;

export async function enrollMfa(env: Env, req: EnrollRequest): Promise<EnrollResult> {
  if (req.deviceName !== undefined && !DEVICE_NAME.test(req.deviceName)) {
    throw new UsageError(`'${req.deviceName}' is not a device name IAM takes: letters, digits and + = , . @ _ -, at most 226`);
  }
  const { terminalPresent } = await import('../adapters/prompt/tty.js');
  if (!terminalPresent()) {
    throw new XacctError("mfa enroll needs a terminal: the new device's secret is shown there, and nowhere else", { hint: 'run xacct mfa enroll in a terminal' });
  }
  const identity = await openSourceIdentity(env, req.source);
  const { context, source } = identity;
  const mapFile = context.map.profileMapFile;
  if (!mapFile) {
    throw new XacctError(`mfa enroll writes mfa_serial into the profile map, and there is none at ${context.paths.profileMap}`, {
      hint: `write one with a [sources.${source.name}] table (see the README), then run xacct mfa enroll ${source.name} again`,
    });
  }
  if (source.mfaSerial) {
    throw new XacctError(`source '${source.name}' has an MFA device already (mfa_serial = "${source.mfaSerial}" in ${mapFile}); nothing was done`, {
      hint: 'to enrol another device, remove that line first',
    });
  }
  // The edit must be possible before a device exists (a placeholder serial of the same shape).
  withMfaSerial((await readMap(mapFile)).text, mapFile, source.name, 'arn:aws:iam::000000000000:mfa/check');

  const keys = await identity.engine.longTerm(source).retrieve();
  const user = await iamUserOf(identity, keys);
  const devices = await identity.iam.listMfaDevices(keys, user.userName);
  if (devices.length > 0) {
    const serial = devices[0]!.serialNumber;
    throw new XacctError(`IAM user ${user.userName} has an MFA device already: ${serial}; nothing was done`, {
      hint: `to use it with xacct, add this line to [sources.${source.name}] of ${mapFile}: mfa_serial = "${serial}"`,
    });
  }

  const device = await identity.iam.createVirtualMfaDevice(keys, req.deviceName ?? user.userName);
  await enableOrDelete(identity, keys, user, device, req, env);

  try {
    const map = await readMap(mapFile);
    await replaceExisting(map, withMfaSerial(map.text, mapFile, source.name, device.serialNumber));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new XacctError(`the MFA device ${device.serialNumber} is enabled for IAM user ${user.userName}, but the profile map was not changed: ${why}`, {
      hint: `add this line to [sources.${source.name}] of ${mapFile} yourself: mfa_serial = "${device.serialNumber}"`,
    });
  }
  const sessionUntil = await offerFirstSession(env, source.name);
  return { serialNumber: device.serialNumber, userName: user.userName, mapFile, ...(sessionUntil ? { sessionUntil } : {}) };
}

async function readMap(file: string) {
  const map = await readExisting(file, 'the profile map');
  if (!map) throw new XacctError(`the profile map ${file} is gone`);
  return map;
}

/** Shows the secret, asks for codes and enables the device; on any failure (or Ctrl-C, or a signal), deletes it. */
async function enableOrDelete(identity: SourceIdentity, keys: AwsCredentials, user: IamUser, device: VirtualMfaDevice, req: EnrollRequest, env: Env): Promise<void> {
  let deleted: Promise<void> | undefined;
  const deleteDevice = () =>
    (deleted ??= identity.iam.deleteVirtualMfaDevice(keys, device.serialNumber).then(
      () => req.report(`deleted the new MFA device ${device.serialNumber} again: it was not enabled`),
      (err: unknown) =>
        req.report(`the new MFA device ${device.serialNumber} was not enabled, and deleting it failed (${err instanceof Error ? err.message : String(err)}): aws iam delete-virtual-mfa-device --serial-number ${device.serialNumber}`),
    ));
  const [{ openSecretScreen }, { onTerminalTurn }] = await Promise.all([import('../adapters/prompt/secret-screen.js'), import('../adapters/prompt/terminal-turn.js')]);
  let screen: SecretScreen | undefined;
  const signals: [NodeJS.Signals, number][] = [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]];
  const onSignal = (signal: NodeJS.Signals) => {
    screen?.close();
    void deleteDevice().finally(() => process.exit(signals.find(([s]) => s === signal)![1]));
  };
  for (const [signal] of signals) process.on(signal, onSignal);
  try {
    // The whole enrolment holds the terminal once: no other xacct prompt comes between the secret and its codes.
    await onTerminalTurn(env, ENROL_NEED, async () => {
      screen = openSecretScreen(env);
      if (!screen) throw new XacctError('the terminal went away before the secret could be shown');
      await showAndEnable(identity, keys, user, device, screen, env);
    });
  } catch (err) {
    screen?.close();
    await deleteDevice();
    throw err;
  } finally {
    screen?.close();
    for (const [signal] of signals) process.off(signal, onSignal);
  }
}

const ENROL_NEED = { what: 'the codes of the new MFA device', otherwise: 'run xacct mfa enroll in the foreground of a terminal' };

async function showAndEnable(identity: SourceIdentity, keys: AwsCredentials, user: IamUser, device: VirtualMfaDevice, screen: SecretScreen, env: Env): Promise<void> {
  const { qrCode } = await import('../adapters/prompt/secret-screen.js');
  const uri = otpauthUri(device.base32Seed, `${user.userName}@${user.accountId}`);
  screen.show(
    `New virtual MFA device ${device.serialNumber} for IAM user ${user.userName}.\n` +
      `Scan this QR code with your authenticator app:\n\n${await qrCode(uri)}\n` +
      `or type this secret into it (time-based, 6 digits):\n\n    ${groupedSecret(device.base32Seed)}\n\n` +
      `This secret is shown here only${screen.alternate ? ', and leaves the screen when enrolment ends' : ''}.\n\n`,
  );
  for (let attempt = 1; ; attempt++) {
    const first = await askCode(env, 'Code shown by the app now:');
    const second = await askCode(env, 'The next code (wait until it changes):', first);
    try {
      await identity.iam.enableMfaDevice(keys, user.userName, device.serialNumber, first, second);
      return;
    } catch (err) {
      if (!(err instanceof AwsError && err.code === INVALID_MFA_CODES) || attempt >= CODE_ATTEMPTS) throw err;
      screen.show('AWS refused these two codes: type the code the app shows now, then the one after it.\n');
    }
  }
}

async function askCode(env: Env, message: string, notThis?: string): Promise<string> {
  const { askOnTerminal } = await import('../adapters/prompt/inquirer-on-tty.js');
  const validate = (value: string): true | string => {
    const code = normaliseMfaCode(value);
    if (!code) return 'an MFA code is the 6 digits your authenticator shows';
    return code === notThis ? 'that is the same code: wait until the app shows the next one' : true;
  };
  const [answer = ''] = await askOnTerminal([{ message, validate }], () => new XacctError('the terminal went away during enrolment'), { env, need: ENROL_NEED });
  return normaliseMfaCode(answer)!;
}

/** Asks whether to open the source's first MFA session now; opens it (one more code) when the answer is yes. */
async function offerFirstSession(env: Env, source: string): Promise<Date | undefined> {
  const [{ confirmOnTerminal }, { onTerminalTurn }] = await Promise.all([import('../adapters/prompt/confirm.js'), import('../adapters/prompt/terminal-turn.js')]);
  const question = 'Open the first MFA session now? It takes the next code of the app.';
  const yes = await onTerminalTurn(env, { what: 'whether to open the first MFA session', otherwise: 'run xacct whoami later' }, () => confirmOnTerminal(question, true));
  if (!yes) return undefined;
  // Opened afresh: the profile map now has mfa_serial.
  const identity = await openSourceIdentity(env, source);
  const session = await identity.engine.mfaSession(identity.source).retrieve();
  return session.expiration;
}
