// Demo service: a tiny HTTP server on 127.0.0.1:$PORT that logs each request.
import { createServer } from "node:http";
const port = Number(process.env.PORT ?? 18080);
createServer((req, res) => {
  console.log(`${req.method} ${req.url}`);
  res.end("hello from the upkeep demo\n");
}).listen(port, "127.0.0.1", () => console.log(`web: listening on 127.0.0.1:${port}`));
process.on("SIGTERM", () => {
  console.log("web: SIGTERM, bye");
  process.exit(0);
});
