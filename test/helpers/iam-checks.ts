/**
 * What the checking proxy adds for IAM, where moto is lenient (see sts-proxy.ts):
 * - `knownKeysOnly`: a request signed with a long-term key (AKIA…) that moto's IAM does not know, or has deleted,
 *   is refused as AWS refuses it (InvalidClientTokenId) — moto's STS answers any key;
 * - `newKeyDelayMs`: a key that CreateAccessKey handed out through the proxy is refused that long, as IAM's
 *   eventual consistency does for a few seconds;
 * - EnableMFADevice's two codes are checked against the seed that CreateVirtualMFADevice handed out through the
 *   proxy (RFC 6238, consecutive codes), which moto does not do; so are the codes of later STS calls for that
 *   device (`codeFits`), each accepted once, as AWS does;
 * - `createDates`: ListAccessKeys shows these CreateDates for these keys (moto cannot make an old key);
 * - holds: a call of an Action can be held before it reaches moto or after moto answered (and before the client
 *   sees the answer), so that a test can kill the client at that very step.
 */
import { motoQuery, MotoError, xmlValue } from './moto.js';
import { consecutiveCodes, totp, totpStep } from './totp.js';

export interface IamCheckedCall {
  readonly action: string;
  readonly accessKeyId?: string;
  readonly params: Record<string, string>;
}

export interface Refusal {
  status: number;
  code: string;
  message: string;
}

export type HoldPoint = 'before' | 'after';

export interface Hold {
  /** Resolves when a matching call reached the hold point. */
  readonly reached: Promise<void>;
  /** Lets the call go on (a held call whose client was killed is dropped). */
  release(): void;
}

/**
 * A listing of `action` that pages as a broken endpoint may: every page is truncated with the same Marker, and a
 * page asked for with it is the first page again.
 */
export interface IamPaging {
  action: string;
  mode: 'repeat';
}

/**
 * What xacct says when `paging` made an IAM listing repeat its Marker (src/adapters/pages.ts): the line and its
 * hint, for `endpoint` (the proxy's URL).
 */
export function repeatedMarker(action: string, endpoint: string): { message: string; hint: string } {
  return {
    message: `IAM ${action} returned a Marker it had returned before (after 2 pages): the listing would never end; stopped`,
    hint: `try again; if it happens again, ${endpoint} does not page as IAM does: check AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL`,
  };
}

export interface IamChecks {
  knownKeysOnly: boolean;
  /** Listings of one operation page as a broken endpoint does (see IamPaging); reset() ends it. */
  paging: IamPaging | undefined;
  newKeyDelayMs: number;
  /** Access key id → the CreateDate ListAccessKeys answers for it. */
  readonly createDates: Map<string, Date>;
  /** Holds the next call of `action` at `point` (that also satisfies `match`, when given). */
  hold(action: string, point: HoldPoint, match?: (call: IamCheckedCall) => boolean): Hold;
  /** Forgets holds (releasing them), key ages and seeds. */
  reset(): void;
}

export interface IamCheckHooks extends IamChecks {
  /** A refusal of the signing key, or undefined. */
  refuseKey(call: IamCheckedCall): Promise<Refusal | undefined>;
  /** A refusal of EnableMFADevice's codes, or undefined. */
  refuseCodes(call: IamCheckedCall): Refusal | undefined;
  /** For a device enrolled through the proxy: whether `code` is its current code, not used yet; else undefined. */
  codeFits(serial: string, code: string): boolean | undefined;
  /** The request body moto gets: a Marker this proxy made is taken out. */
  requestBody(call: IamCheckedCall, body: Buffer): Buffer;
  /** Records what moto answered (new keys, seeds), and returns the answer as the client gets it. */
  observe(call: IamCheckedCall, responseXml: string): string;
  /** Waits while the call is held at `point`. */
  waitAt(call: IamCheckedCall, point: HoldPoint): Promise<void>;
}

const invalidKey: Refusal = { status: 403, code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' };

export function createIamChecks(motoUrl: string): IamCheckHooks {
  const createdAt = new Map<string, number>();
  const seeds = new Map<string, string>();
  const usedCodes = new Set<string>();
  let holds: {
    action: string;
    point: HoldPoint;
    match?: (call: IamCheckedCall) => boolean;
    reached: () => void;
    released: Promise<void>;
    release: () => void;
    used: boolean;
  }[] = [];

  const checks: IamCheckHooks = {
    knownKeysOnly: false,
    paging: undefined,
    newKeyDelayMs: 0,
    createDates: new Map(),

    hold(action, point, match) {
      let reached!: () => void;
      let release!: () => void;
      const reachedP = new Promise<void>((r) => (reached = r));
      const released = new Promise<void>((r) => (release = r));
      holds.push({ action, point, ...(match ? { match } : {}), reached, released, release, used: false });
      return { reached: reachedP, release };
    },

    reset() {
      for (const h of holds) h.release();
      holds = [];
      createdAt.clear();
      seeds.clear();
      usedCodes.clear();
      checks.createDates.clear();
      checks.paging = undefined;
    },

    async refuseKey(call) {
      const key = call.accessKeyId;
      if (!key?.startsWith('AKIA')) return undefined;
      const born = createdAt.get(key);
      if (born !== undefined && Date.now() - born < checks.newKeyDelayMs) return invalidKey;
      if (!checks.knownKeysOnly) return undefined;
      try {
        await motoQuery(motoUrl, 'iam', 'GetAccessKeyLastUsed', { AccessKeyId: key });
        return undefined;
      } catch (err) {
        if (err instanceof MotoError && err.code === 'NoSuchEntity') return invalidKey;
        throw err;
      }
    },

    refuseCodes(call) {
      if (call.action !== 'EnableMFADevice') return undefined;
      const seed = seeds.get(call.params.SerialNumber ?? '');
      if (seed === undefined) return undefined; // a device made directly in moto (createIamUser)
      const { AuthenticationCode1: c1 = '', AuthenticationCode2: c2 = '' } = call.params;
      if (consecutiveCodes(seed, c1, c2)) {
        usedCodes.add(`${call.params.SerialNumber} ${c1}`).add(`${call.params.SerialNumber} ${c2}`);
        return undefined;
      }
      return { status: 403, code: 'InvalidAuthenticationCode', message: 'Authentication code for device is not valid.' };
    },

    codeFits(serial, code) {
      const seed = seeds.get(serial);
      if (seed === undefined) return undefined;
      const now = totpStep();
      const fits = [now - 1, now, now + 1].some((step) => totp(seed, { step }) === code) && !usedCodes.has(`${serial} ${code}`);
      if (fits) usedCodes.add(`${serial} ${code}`);
      return fits;
    },

    requestBody(call, body) {
      if (checks.paging?.action !== call.action || !call.params.Marker?.startsWith('proxy-page')) return body;
      const form = new URLSearchParams(body.toString('utf8'));
      form.delete('Marker');
      return Buffer.from(form.toString());
    },

    observe(call, xml) {
      if (checks.paging?.action === call.action) {
        // moto leaves IsTruncated out (false); AWS puts it last in the result.
        const end = `</${call.action}Result>`;
        xml = xml.replace(/<Marker>[^<]*<\/Marker>|<IsTruncated>[^<]*<\/IsTruncated>/g, '').replace(end, `<IsTruncated>true</IsTruncated><Marker>proxy-page</Marker>${end}`);
      }
      if (call.action === 'CreateAccessKey') {
        const id = xmlValue(xml, 'AccessKeyId');
        if (id) createdAt.set(id, Date.now());
      }
      if (call.action === 'CreateVirtualMFADevice') {
        const serial = xmlValue(xml, 'SerialNumber');
        const seed = xmlValue(xml, 'Base32StringSeed');
        // The seed travels as base64 of its Base32 text.
        if (serial && seed) seeds.set(serial, Buffer.from(seed, 'base64').toString('ascii'));
      }
      if (call.action !== 'ListAccessKeys') return xml;
      return xml.replace(/<member>([\s\S]*?)<\/member>/g, (member: string) => {
        const date = checks.createDates.get(xmlValue(member, 'AccessKeyId') ?? '');
        return date ? member.replace(/<CreateDate>[^<]*<\/CreateDate>/, `<CreateDate>${date.toISOString()}</CreateDate>`) : member;
      });
    },

    async waitAt(call, point) {
      const hold = holds.find((h) => !h.used && h.action === call.action && h.point === point && (!h.match || h.match(call)));
      if (!hold) return;
      hold.used = true;
      hold.reached();
      await hold.released;
    },
  };
  return checks;
}
