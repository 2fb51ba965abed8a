// Run by Maven (generate-resources, exec-maven-plugin): the console's third-party module from npm, no CDN.
// `npm ci` in src/main/console when its node_modules is missing or older than package-lock.json, then copies
// socket.io-client's browser ESM bundle to target/classes/console/vendor/socket.io.esm.min.js (into the jar).
// Usage: node scripts/lib/console-vendor.mjs <project dir>
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = process.argv[2] || process.cwd();
const dir = join(root, "src/main/console");
const lock = join(dir, "package-lock.json");
const marker = join(dir, "node_modules/.package-lock.json");
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: dir, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`npm ci in ${dir} failed (${r.error ?? "exit " + r.status}): the console needs socket.io-client from npm`);
    process.exit(1);
  }
}
const from = join(dir, "node_modules/socket.io-client/dist/socket.io.esm.min.js");
const to = join(root, "target/classes/console/vendor");
mkdirSync(to, { recursive: true });
copyFileSync(from, join(to, "socket.io.esm.min.js"));
console.log(`console: ${from} -> ${to}/socket.io.esm.min.js`);
