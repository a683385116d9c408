/**
 * kill -9 of `xacct aws-config --write` while it writes (issue 11: "kill -9 during aws-config --write leaves full
 * temporary copies of ~/.aws/config behind"). The test kills xacct the moment a temp file of the backup or of the
 * config appears in ~/.aws (inotify), so that every run dies inside the write rather than before or after it. After
 * each kill ~/.aws/config is the old file or the new one, byte for byte, never a part; the next write removes what
 * the killed one left, and finishes.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, runCli, XACCT_BIN, type TestHome } from '../helpers/index.js';
import { reportCount } from './support.js';

/** Kills at the first temp file of the backup (odd runs) or of the config itself (even runs). */
const RUNS = 8;
/** The user's own part of ~/.aws/config: large enough (≈ 1 MB) that writing and syncing it takes a few ms. */
const OWN_PROFILES = 15_000;

const TEMP = /^\.config(\.xacct-backup)?\.\d+\.[0-9a-f]{12}\.tmp$/;

let home: TestHome;
let aws: string;
const temps = () => readdirSync(aws).filter((n) => TEMP.test(n));
const config = () => readFileSync(`${aws}/config`, 'utf8');
const mapWith = (n: number) =>
  `[sources.identity]\nmfa_serial = "arn:aws:iam::111111111111:mfa/alice"\n\n[accounts]\n` +
  Array.from({ length: n }, (_, i) => `k${i} = "${100_000_000_000 + i}"`).join('\n') +
  `\n\n[roles]\nadmin = "Admin"\n`;

/** Starts `aws-config --write` and kills it (kill -9) when a temp file of the backup or of the config appears. */
async function writeKilled(backup: boolean): Promise<{ killedAt?: string; pid: number }> {
  const wanted = backup ? /^\.config\.xacct-backup\.\d+\./ : /^\.config\.\d+\./;
  const child = spawn(process.execPath, [XACCT_BIN, 'aws-config', '--write'], { env: home.env, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let killedAt: string | undefined;
  const watcher = watch(aws, (_event, name) => {
    if (killedAt === undefined && name && wanted.test(name)) {
      killedAt = name;
      child.kill('SIGKILL');
    }
  });
  await exited;
  watcher.close();
  return { ...(killedAt ? { killedAt } : {}), pid: child.pid! };
}

describe('kill -9 during aws-config --write', () => {
  beforeAll(() => {
    home = makeHome();
    const own = Array.from({ length: OWN_PROFILES }, (_, i) => `[profile mine${i}]\nregion = eu-west-1 ; my own\noutput = json\n`);
    home.write('.aws/config', `# my own profiles, by hand\n\n${own.join('\n')}`);
    aws = home.path('.aws');
  });
  afterAll(() => home?.cleanup());

  it('leaves the old or the new file, never a part; the next write removes the temp files and finishes', async () => {
    let leftBehind = 0;
    let killedInside = 0;
    for (let i = 1; i <= RUNS; i++) {
      home.write('.config/xacct/config.toml', mapWith(i)); // each run adds k<i-1>-admin: there is something to write
      const before = config();
      const { killedAt, pid } = await writeKilled(i % 2 === 1);
      if (killedAt) killedInside++;
      const after = config();
      if (after !== before) {
        // The new file, whole: the old text and the new profile after it.
        expect(after.startsWith(before.trimEnd())).toBe(true);
        expect(after).toContain(`[profile k${i - 1}-admin]\ncredential_process = xacct credential-process k${i - 1}-admin\n`);
      }
      if (temps().length > 0) leftBehind++;
      // Whether the kill came before the temp file was renamed is up to the disk: when it came after, a temp file
      // as the killed process would have left it (its name, a part of the text) stands for one, so that every run
      // checks what the user sees next: no temp file left in ~/.aws.
      else writeFileSync(`${aws}/.config.${i % 2 === 1 ? 'xacct-backup.' : ''}${pid}.${randomBytes(6).toString('hex')}.tmp`, before.slice(0, 4096), { mode: 0o600 });

      const next = await runCli(['aws-config', '--write'], { env: home.env, timeoutMs: 30_000 });
      expect(next.code, next.stderr).toBe(0);
      expect(temps()).toEqual([]);
      expect(config()).toContain(`[profile k${i - 1}-admin]\n`);
      expect(config().startsWith(before.trimEnd().slice(0, 200))).toBe(true);
    }
    const own = config().match(/^\[profile mine\d+\]\nregion = eu-west-1 ; my own\noutput = json\n/gm);
    expect(own).toHaveLength(OWN_PROFILES);
    // The test reaches its case: most runs died inside a write.
    expect(killedInside).toBeGreaterThanOrEqual(RUNS / 2);
    console.log(`kill -9 during aws-config --write: ${killedInside} of ${RUNS} runs killed inside the write, ${leftBehind} left a temp file (the others got one planted), all removed by the next write`);
    reportCount('kill -9 during aws-config --write', RUNS);
  });
});
