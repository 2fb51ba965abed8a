// The reference of scripts/bench sockets: the CRM server's broadcast scenario on socket.io 4 (Node), nothing else.
// A connection needs auth.token = BENCH_TOKEN; agent:status {status} from any socket is broadcast to every socket as
// agent:status_change {agentId, status, lastSeen} (as the CRM does, minus the database write), then acknowledged.
// bench:memory answers process.memoryUsage() after a full GC (run with --expose-gc), and so does GET /bench/memory
// (cold.mjs: memory with no socket connected). Prints "listening <port>".
import { createServer } from "node:http";
import { Server } from "socket.io";

const token = process.env.BENCH_TOKEN;
const http = createServer((req, res) => {
  if (req.url !== "/bench/memory") { res.statusCode = 404; res.end(); return; }
  globalThis.gc?.();
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(process.memoryUsage()));
});
const io = new Server(http, { pingInterval: 25_000, pingTimeout: 20_000, maxHttpBufferSize: 1e6 });
io.use((socket, next) => (socket.handshake.auth?.token === token ? next() : next(new Error("AUTH_TOKEN_INVALID"))));
io.on("connection", (socket) => {
  socket.on("agent:status", (body, ack) => {
    io.emit("agent:status_change", { agentId: socket.id, status: body?.status, lastSeen: new Date().toISOString() });
    if (typeof ack === "function") ack({ success: true, status: body?.status });
  });
  socket.on("bench:memory", (ack) => { globalThis.gc?.(); if (typeof ack === "function") ack(process.memoryUsage()); });
});
http.listen(Number(process.env.PORT || 0), process.env.HOST || "127.0.0.1", () => console.log(`listening ${http.address().port}`));
