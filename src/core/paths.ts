import shared from './xacct-paths.cjs';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The files and folders xacct reads and writes, from the environment (SPEC, "The profile map"; XDG base dirs).
 * Defined in xacct-paths.cts, which the credential-process fast path loads too.
 */
export const xacctPaths = shared.xacctPaths;

export type XacctPaths = ReturnType<typeof xacctPaths>;
