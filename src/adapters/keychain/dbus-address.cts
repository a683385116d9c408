/**
 * Which D-Bus addresses xacct's own client connects to, apart from the connection itself: secret-service.cts asks
 * this to choose between the client and the binding without loading the client (node:net, node:crypto).
 */
/** Where to connect: a socket path (also what messages show). */
interface BusTarget {
  readonly path: string;
}

/** The value of `key` in one `transport:key=value,…` address, unescaped, or undefined. */
function addressValue(address: string, key: string): string | undefined {
  const colon = address.indexOf(':');
  for (const pair of address.slice(colon + 1).split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq) === key) {
      try {
        return decodeURIComponent(pair.slice(eq + 1));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * The first address of `addresses` (`;`-separated) that this client can connect to: `unix:path=`. Undefined when
 * there is none (tcp:, launchd:, autolaunch:, …): the caller uses the binding. `unix:abstract=` is not taken:
 * Node 20's net module connects to an abstract name padded to the whole sockaddr (measured: ECONNREFUSED against
 * dbus-daemon, which binds the exact name, while Python and libdbus connect), so those go to the binding too.
 */
function supportedTarget(addresses: string | undefined): BusTarget | undefined {
  for (const address of (addresses ?? '').split(';')) {
    if (!address.startsWith('unix:')) continue;
    const path = addressValue(address, 'path');
    if (path !== undefined && path !== '' && addressValue(address, 'abstract') === undefined) return { path };
  }
  return undefined;
}

export = { supportedTarget };
