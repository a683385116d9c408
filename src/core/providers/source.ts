/**
 * A source's long-term credentials: its links (src/core/sources) tried in order, like smithy's provider chain —
 * a link that has none says NotThisSource and the next is tried; any other error stops the chain.
 */
import type { CredentialProvider } from '../credentials.js';
import { provider } from '../credentials.js';
import { XacctError } from '../errors.js';
import { keyIdForLog } from '../logger.js';
import type { SourcePlan } from '../profile-map/types.js';
import { kindOf, SOURCE_KINDS } from '../sources/index.js';
import { NotThisSource, type SourceKind, type SourcePorts } from '../sources/kind.js';

export type SourceDeps = SourcePorts;

export function sourceCredentials(source: SourcePlan, deps: SourceDeps, kinds: readonly SourceKind[] = SOURCE_KINDS): CredentialProvider {
  const links = source.credentials.map((link) => ({ link, provider: kindOf(link, kinds).provider(link, source, deps) }));
  return provider(async () => {
    const passed: string[] = [];
    for (const { link, provider: p } of links) {
      try {
        const credentials = await p.retrieve();
        deps.log?.debug(`source ${source.name}: long-term credentials from ${link.kind}${passed.length ? ` (${passed.join('; ')})` : ''}, key ${keyIdForLog(credentials.accessKeyId)}`);
        return credentials;
      } catch (err) {
        if (!(err instanceof NotThisSource)) throw err;
        passed.push(err.message);
      }
    }
    throw new XacctError(`no long-term credentials for source '${source.name}': ${passed.join('; ') || 'it has no kind of source'}`, {
      hint: `store keys with 'xacct add ${source.name}'`,
    });
  });
}
