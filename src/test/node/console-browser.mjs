// What the console's browser tests (console*.e2e.test.mjs) share: headless Chromium's binary and flags, the two
// screen sizes, the wait deadline, and the DOM contract's basic locators.
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
/** Every wait's deadline (ms). */
export const WAIT = 15_000;

export const tid = (page, id) => page.getByTestId(id);

/** The inbox row of the conversation whose last message is `text`. */
export function rowWith(page, text) {
  return tid(page, "inbox-row").filter({ has: tid(page, "inbox-row-last").filter({ hasText: text }) });
}
