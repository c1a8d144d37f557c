import { request } from 'node:http';

/** A sign-in's answer: status, Retry-After header and JSON body. */
export interface SignInAnswer {
  status: number;
  retryAfter: string | undefined;
  body: any;
}

/**
 * POST /api/v1/auth/login to the gateway at `apiUrl` from the loopback address `localAddress` (127.0.0.0/8): a file
 * that makes refused sign-ins does so from an address of its own, apart from other files' per-address limit.
 */
export function signInFrom(apiUrl: string, localAddress: string, username: string, password: string): Promise<SignInAnswer> {
  const url = new URL('/api/v1/auth/login', apiUrl);
  const payload = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}
