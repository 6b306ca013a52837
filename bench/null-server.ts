// A server that reads each request's body and answers a bulk-enroll success at once: the
// API load's clients run against it first, so that their ceiling (what the harness itself
// can send on this machine) is printed next to the gateway's figure.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const ANSWER = JSON.stringify({
  deviceEnrollmentTransactionId: 'null-server',
  enrollDevicesResponse: { statusCode: 'SUCCESS', statusMessage: 'Transaction posted successfully in DEP' },
});

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ANSWER) });
    res.end(ANSWER);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stderr.write(`null server listening on http://127.0.0.1:${port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
