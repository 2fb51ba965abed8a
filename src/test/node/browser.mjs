// What the console's browser tests (console*.e2e.test.mjs) share: headless Chromium (playwright-core with the Debian
// /usr/bin/chromium that scripts/test installs) with the flags, the two screen sizes, the wait deadline, a fresh
// browser per call (its own --user-data-dir, so its own localStorage and session) closed after the test file,
// screenshots into CRM_TEST.screenshots, and the DOM contract's basic locators. Every wait is Playwright's own.
import { after } from "node:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { ctx } from "./crm.mjs";

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
/** How long any one wait may take. */
export const WAIT = 15_000;

const opened = [];
after(async () => {
  for (const { context, dir } of opened) {
    await context.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fresh browser with one page; uncaught page errors are kept in `page.errors`. */
export async function browser(viewport = DESKTOP) {
  const dir = mkdtempSync(join(tmpdir(), "crm-chromium-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport, timeout: 60_000,
  });
  context.setDefaultTimeout(WAIT);
  opened.push({ context, dir });
  const page = context.pages()[0] ?? await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(String(e)));
  return page;
}

/** The element(s) carrying data-testid=`id` (the console's DOM contract). */
export const tid = (page, id) => page.getByTestId(id);

export async function shot(page, name) {
  mkdirSync(ctx.screenshots, { recursive: true });
  await page.screenshot({ path: join(ctx.screenshots, name + ".png"), fullPage: false });
}

/** Logs in through the console's login page; resolves once the console shows. */
export async function login(page, email, password, url = ctx.url + "/") {
  await page.goto(url);
  await tid(page, "login-email").fill(email);
  await tid(page, "login-password").fill(password);
  await tid(page, "login-submit").click();
  await tid(page, "app").waitFor();
}

/** The inbox row of the conversation whose last message is `text`. */
export function rowWith(page, text) {
  return tid(page, "inbox-row").filter({ has: tid(page, "inbox-row-last").filter({ hasText: text }) });
}

/** The inbox row of the conversation of the customer called `name` (whatever its last message, the assistant's too). */
export function rowNamed(page, name) {
  return tid(page, "inbox-row").filter({ has: tid(page, "inbox-row-name").filter({ hasText: name }) });
}
