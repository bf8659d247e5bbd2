import { createHmac } from "crypto";

export function sign(id: string): string {
  return createHmac("sha256", process.env.SIGNING_KEY ?? "").update(id).digest("hex");
}
