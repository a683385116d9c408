import { UsageError } from '../core/errors.js';

/** Commands of SPEC that are not built yet say so plainly and exit 2; none pretends to work. */
export function notImplemented(name: string): never {
  throw new UsageError(`'xacct ${name}' is not implemented yet in this version`);
}
