/** Loopback ports for tests that need an address where nothing listens. */
import { createServer, type AddressInfo } from 'node:net';

/** A port that was free a moment ago (bound, then released): connecting to it is refused. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
