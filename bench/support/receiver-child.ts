// The receiving end of bench:upload in its own process, so its memory is not counted as the client's:
// the Arthur-compatible receiver (every record checked) and a sink that only drains (the client's own limit).
// Prints {"receiver": URL, "sink": URL} and runs until stdin closes.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startArthurReceiver } from '../../local/arthur/index.js';

const token = process.argv[2] ?? 'bench-token';
const receiver = await startArthurReceiver({ token, storeInferences: false, maxResults: 100 });
const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(207, { 'content-type': 'application/json' }).end('{}'));
});
sink.requestTimeout = 0;
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
console.log(JSON.stringify({ receiver: receiver.url, sink: `http://127.0.0.1:${(sink.address() as AddressInfo).port}` }));
process.stdin.resume();
process.stdin.on('end', () => {
  sink.closeAllConnections();
  sink.close();
  void receiver.close().then(() => process.exit(0));
});
