/** Value checks shared by the profile map and the AWS config reader, as `{ test, expected }` for messages. */

export interface Check {
  readonly test: (value: string) => boolean;
  /** Completes "'x' is not …". */
  readonly expected: string;
}

export const REGION: Check = {
  test: (v) => /^[a-z]{2,}(-[a-z0-9]+)+$/.test(v),
  expected: 'an AWS region such as eu-west-1',
};

/** RoleSessionName and SourceIdentity: AWS allows 2..64 of [\w+=,.@-]. */
export const SESSION_NAME: Check = {
  test: (v) => /^[\w+=,.@-]{2,64}$/.test(v),
  expected: 'a name of 2 to 64 letters, digits or + = , . @ _ -',
};

export const EXTERNAL_ID: Check = {
  test: (v) => /^[\w+=,.@:/-]{2,1224}$/.test(v),
  expected: 'an external id of 2 to 1224 letters, digits or + = , . @ : / _ -',
};

/** Names of sources, accounts, roles and profiles: usable in `[profile X]` of ~/.aws/config and on a command line. */
export const NAME: Check = {
  test: (v) => /^[A-Za-z0-9][\w.@+-]*$/.test(v) && v.length <= 128,
  expected: 'a name made of letters, digits and . _ - @ + (starting with a letter or digit)',
};

/** Session tags: at most 50, keys 1..128 and values 0..256 characters. */
export const TAG_LIMITS = { count: 50, keyLength: 128, valueLength: 256 } as const;
