// Serves release tarballs on 127.0.0.1, as a stand-in for a project's download site: the build's `fetch` downloads
// from here through the engine. Stop it with Ctrl-C.
//   node serve.mjs [DIR (default ./dist)]     PORT=8765 by default; PORT=0 picks a free one.
// Logs one line per request on stderr (`GET /greet-1.0.0.tar.gz 200 <user-agent>`) after announcing its URL.
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const dir = resolve(process.argv[2] ?? fileURLToPath(new URL("./dist/", import.meta.url)));
const port = Number(process.env.PORT ?? 8765);

const server = createServer((req, res) => {
  // Files are served flat from DIR: only the last path segment counts.
  const name = basename(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
  const st = name ? statSync(join(dir, name), { throwIfNoEntry: false }) : undefined;
  const found = st?.isFile() === true;
  console.error(`${req.method} ${req.url} ${found ? 200 : 404} ${req.headers["user-agent"] ?? "-"}`);
  if (!found) {
    res.writeHead(404).end("not found\n");
    return;
  }
  res.writeHead(200, { "content-type": "application/gzip", "content-length": st.size });
  if (req.method === "HEAD") res.end();
  else createReadStream(join(dir, name)).pipe(res);
});
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  console.error(`serving ${dir} on http://127.0.0.1:${typeof address === "object" && address ? address.port : port}/`);
});
