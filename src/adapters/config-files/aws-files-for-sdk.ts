/**
 * The AWS SDK's reads of the AWS files in this process (its clients' settings, fromIni) get the text xacct read, not
 * the files again: @smithy/shared-ini-file-loader keeps what it read in a process-wide cache, and this puts xacct's
 * texts there. xacct parses the files itself (core/sdk-ini-parse.ts), so the loader is not loaded until an SDK
 * client or fromIni is made (which load it anyway): then `shareAwsFilesWithSdk` hands it what was read so far, and
 * every text read after that at once.
 */
import { createRequire } from 'node:module';
import type * as IniLoader from '@smithy/shared-ini-file-loader';

const INI_LOADER = '@smithy/shared-ini-file-loader';

/** The SDK's loader, once shareAwsFilesWithSdk loaded it (every SDK client and fromIni call it first). */
let sdkLoader: typeof IniLoader | undefined;
/**
 * The texts read that the loader has not been handed yet, by file (a missing file as ''); or how to read one (a
 * large config file served from its kept parse is read only if the SDK asks for it).
 */
const forSdk = new Map<string, string | (() => string)>();

function handOver(loader: typeof IniLoader): void {
  for (const [file, text] of forSdk) {
    loader.externalDataInterceptor.interceptFile(file, typeof text === 'string' ? text : text());
    forSdk.delete(file);
  }
}

/** Called before an SDK client or fromIni is made: the loader gets every text read so far. */
export function shareAwsFilesWithSdk(): void {
  handOver((sdkLoader ??= createRequire(import.meta.url)(INI_LOADER) as typeof IniLoader));
}

/** `file` was read: for the SDK's next read of it, at once when a client or fromIni was made already, else then. */
export function keepForSdk(file: string, text: string | (() => string) | undefined): void {
  forSdk.set(file, text ?? '');
  if (sdkLoader) handOver(sdkLoader);
}
