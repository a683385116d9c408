/**
 * A private D-Bus session bus with an unlocked GNOME Keyring (Secret Service) in a test HOME, the way a desktop
 * session has one. Both daemons are children of the test process, stopped by PID.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestHome } from './home.js';
import { runQuiet, startDaemon, type Daemon, type Env } from './procs.js';

export const KEYRING_PASSWORD = 'xacct-test';
const SECRETS = 'org.freedesktop.secrets';

export interface Keyring {
  /** What a process needs to reach the keyring: `DBUS_SESSION_BUS_ADDRESS`. */
  readonly env: { DBUS_SESSION_BUS_ADDRESS: string };
  /** The bus's loopback TCP and abstract-socket addresses, when asked for (BusListen). */
  readonly tcpAddress?: string;
  readonly abstractAddress?: string;
  /** PIDs of the bus and of the keyring daemon (the latter changes with unlock()). */
  readonly pids: { bus: number; keyring: number };
  /** Milliseconds from start to a keyring answering on the bus. */
  readonly startupMs: number;
  /** Locks the default collection (Secret Service `Lock`): reads then fail as on a locked desktop keychain. */
  lock(): Promise<void>;
  /** Unlocks it again, by restarting the keyring daemon with the password (there is no prompter to ask). */
  unlock(): Promise<void>;
  isLocked(): Promise<boolean>;
  /** Kills the keyring daemon and the bus by PID and waits for both to exit. */
  stop(): Promise<void>;
}

/** Other addresses a test bus listens on, besides its socket in the HOME. */
export interface BusListen {
  /** Loopback TCP (ANONYMOUS authentication): an address xacct's own client does not take. */
  tcp?: boolean;
  /** A Linux abstract socket (unix:abstract=). */
  abstract?: boolean;
}

/** A bus of our own: no service activation (nothing starts behind the test's back), socket inside the HOME. */
function busConfig(socket: string, also: BusListen = {}): string {
  let extra = also.tcp ? '\n  <listen>tcp:host=127.0.0.1,bind=127.0.0.1,port=0</listen>\n  <auth>ANONYMOUS</auth>\n  <allow_anonymous/>' : '';
  if (also.abstract) extra = `\n  <listen>unix:abstract=xacct-test-${process.pid}-${Date.now()}</listen>${extra}`;
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>${extra}
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;
}

function dbusSend(env: Env, dest: string, path: string, method: string, ...args: string[]): Promise<string> {
  return runQuiet('dbus-send', ['--session', '--print-reply', `--dest=${dest}`, path, method, ...args], env);
}

export interface SessionBus {
  /** DBUS_SESSION_BUS_ADDRESS of the bus: its unix socket. */
  readonly address: string;
  /** Its loopback TCP and abstract-socket addresses, when asked for. */
  readonly tcpAddress?: string;
  readonly abstractAddress?: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** A private D-Bus session bus (socket in XDG_RUNTIME_DIR of the HOME), with nothing on it yet. */
export async function startSessionBus(home: Pick<TestHome, 'env'>, opts: BusListen = {}): Promise<SessionBus> {
  const runtime = home.env.XDG_RUNTIME_DIR ?? home.env.HOME!;
  const config = join(runtime, 'dbus.conf');
  writeFileSync(config, busConfig(join(runtime, 'bus'), opts));
  const bus = startDaemon('dbus-daemon', [`--config-file=${config}`, '--nofork', '--print-address=1'], home.env);
  try {
    const [line] = await bus.waitForLine(/^(unix|tcp):\S+/);
    const addresses = line!.split(';');
    const address = addresses.find((a) => a.startsWith('unix:path='))!;
    const [tcpAddress, abstractAddress] = [addresses.find((a) => a.startsWith('tcp:')), addresses.find((a) => a.startsWith('unix:abstract='))];
    return { address, tcpAddress, abstractAddress, pid: bus.pid, stop: bus.stop };
  } catch (err) {
    await bus.stop();
    throw err;
  }
}

export async function startKeyring(home: Pick<TestHome, 'env'>, password = KEYRING_PASSWORD, opts: BusListen = {}): Promise<Keyring> {
  const started = Date.now();
  const bus = await startSessionBus(home, opts);
  let keyring: Daemon | undefined;
  try {
    const { address } = bus;
    const env = { ...home.env, DBUS_SESSION_BUS_ADDRESS: address };

    const startSecrets = async () => {
      // --unlock reads the password from stdin and creates the login keyring (the default collection) with it.
      const daemon = startDaemon('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], env, { stdin: password });
      try {
        // It prints nothing when it is ready (its control socket is in XDG_RUNTIME_DIR): ask the bus.
        for (let i = 0; ; i++) {
          const reply = await dbusSend(env, 'org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${SECRETS}`);
          if (/boolean true/.test(reply)) return daemon;
          if (i === 400 || !daemon.running()) throw new Error(`gnome-keyring-daemon did not take ${SECRETS} on the bus:\n${daemon.log()}`);
          await new Promise((r) => setTimeout(r, 25));
        }
      } catch (err) {
        await daemon.stop();
        throw err;
      }
    };
    keyring = await startSecrets();

    const defaultCollection = async () => {
      const reply = await dbusSend(env, SECRETS, '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.ReadAlias', 'string:default');
      const path = /object path "([^"]+)"/.exec(reply)?.[1];
      if (!path || path === '/') throw new Error(`the keyring has no default collection: ${reply}`);
      return path;
    };
    const result: Keyring = {
      env: { DBUS_SESSION_BUS_ADDRESS: address },
      tcpAddress: bus.tcpAddress,
      abstractAddress: bus.abstractAddress,
      get pids() {
        return { bus: bus.pid, keyring: keyring!.pid };
      },
      startupMs: Date.now() - started,
      async lock() {
        const collection = await defaultCollection();
        await dbusSend(env, SECRETS, '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', `array:objpath:${collection}`);
        if (!(await result.isLocked())) throw new Error('the keyring did not lock');
      },
      async unlock() {
        await keyring!.stop();
        keyring = await startSecrets();
        if (await result.isLocked()) throw new Error('the keyring did not unlock');
      },
      async isLocked() {
        const collection = await defaultCollection();
        const reply = await dbusSend(env, SECRETS, collection, 'org.freedesktop.DBus.Properties.Get', 'string:org.freedesktop.Secret.Collection', 'string:Locked');
        return /boolean true/.test(reply);
      },
      async stop() {
        await keyring?.stop();
        await bus.stop();
      },
    };
    return result;
  } catch (err) {
    await keyring?.stop();
    await bus.stop();
    throw err;
  }
}
