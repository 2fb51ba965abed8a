// What the benchmarks post as Meta would (no dependencies): a WhatsApp Cloud API webhook carrying one customer text
// message, and its X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the app secret).
import { createHmac } from "node:crypto";

/** The raw body of a webhook with one text message from `from` (profile `name`), as a Buffer. */
export function textWebhook({ from, name, wamid, text, phoneNumberId = "100000000000000", at = Date.now() }) {
  const message = { from, id: wamid, timestamp: String(Math.floor(at / 1000)), type: "text", text: { body: text } };
  const value = {
    messaging_product: "whatsapp",
    metadata: { display_phone_number: "15550001111", phone_number_id: phoneNumberId },
    contacts: [{ profile: { name }, wa_id: from }], messages: [message],
  };
  return Buffer.from(JSON.stringify({ object: "whatsapp_business_account",
    entry: [{ id: "WABA_ID", changes: [{ value, field: "messages" }] }] }));
}

/** The X-Hub-Signature-256 header of `body` signed with `secret`. */
export const signature = (secret, body) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
