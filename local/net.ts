/** Listening and closing for every local server (one place for the error-before-listening and keep-alive cases). */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/**
 * Starts `server` listening; resolves to the port it got (port 0: any free one), rejects if listening fails
 * (a port in use) instead of leaving an 'error' event unhandled.
 * @example
 * const port = await listen(createServer(handler), 0);
 */
export function listen(server: Server, port = 0, host = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Closes `server`, dropping idle keep-alive connections first (the SDKs and the AWS CLI leave some, and they
 * would hold close() for seconds).
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING' ? reject(error) : resolve()));
  });
}
