// A tiny static file server for the kafkascope page (node:http only).
//
// Serves one root folder on 127.0.0.1 with the MIME types the page needs
// (application/wasm above all, or the browser refuses to stream-compile the
// module). Never serves a file outside the root and never a dot-file.
//
//   node scripts/serve.mjs            serves the repository root on $PORT
//                                     (default 8080, next free port if taken)
//   import { startServer } from './serve.mjs'
//   const srv = await startServer({ port: 0 }); ... await srv.close();

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root: the parent of this script's folder. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Content types by file extension. */
export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

function contentType(file) {
  return MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function send(res, status, text) {
  const body = Buffer.from(`${text}\n`, 'utf8');
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function isInside(root, file) {
  return file === root || file.startsWith(root + path.sep);
}

/** Maps a request path to a file under root, or null when it must not be served. */
function resolveRequest(root, rawUrl) {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(rawUrl, 'http://localhost').pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const segments = pathname.split('/').filter((s) => s.length > 0);
  if (segments.some((s) => s.startsWith('.'))) return null; // no dot-files, no '..'
  const file = path.resolve(root, ...segments);
  return isInside(root, file) ? file : null;
}

/** A request handler that serves files below root. */
export function createHandler(root) {
  const realRoot = fs.realpathSync(root);
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'method not allowed');
      return;
    }
    let file = resolveRequest(realRoot, req.url ?? '/');
    if (file === null) {
      send(res, 404, 'not found');
      return;
    }
    fs.stat(file, (err, stat) => {
      if (!err && stat.isDirectory()) {
        file = path.join(file, 'index.html');
      }
      fs.realpath(file, (err2, real) => {
        if (err2 || !isInside(realRoot, real)) {
          send(res, 404, 'not found');
          return;
        }
        fs.stat(real, (err3, st) => {
          if (err3 || !st.isFile()) {
            send(res, 404, 'not found');
            return;
          }
          res.writeHead(200, {
            'Content-Type': contentType(real),
            'Content-Length': st.size,
            'Cache-Control': 'no-store',
            'X-Content-Type-Options': 'nosniff',
          });
          if (req.method === 'HEAD') {
            res.end();
            return;
          }
          const stream = fs.createReadStream(real);
          stream.on('error', () => res.destroy());
          stream.pipe(res);
        });
      });
    });
  };
}

/**
 * Starts a server on host:port (port 0 picks a free one).
 * Resolves to { server, host, port, url, close }.
 */
export function startServer({ root = REPO_ROOT, host = '127.0.0.1', port = 0 } = {}) {
  const server = http.createServer(createHandler(root));
  return new Promise((resolve, reject) => {
    const onError = (err) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const actual = server.address().port;
      resolve({
        server,
        host,
        port: actual,
        url: `http://${host}:${actual}/`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

async function main() {
  const first = Number.parseInt(process.env.PORT ?? '8080', 10);
  if (!Number.isInteger(first) || first < 0 || first > 65535) {
    console.error(`serve: PORT must be a port number, got "${process.env.PORT}"`);
    process.exit(2);
  }
  const tries = first === 0 ? 1 : 20;
  for (let i = 0; i < tries; i += 1) {
    const port = first === 0 ? 0 : first + i;
    if (port > 65535) break;
    try {
      const srv = await startServer({ port });
      console.log(`serve: kafkascope is at ${srv.url}  (Ctrl+C stops)`);
      const stop = () => {
        srv.close().then(() => process.exit(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      return;
    } catch (err) {
      if (err.code !== 'EADDRINUSE') throw err;
      console.log(`serve: port ${port} is taken, trying the next one`);
    }
  }
  console.error(`serve: no free port in ${first}..${first + tries - 1}`);
  process.exit(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err) => {
    console.error(`serve: ${err.message}`);
    process.exit(1);
  });
}
