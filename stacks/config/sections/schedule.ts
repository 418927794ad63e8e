/** `cmg-lab:schedule`: the nightly shutdown and the lab's end date. */
import { z } from "zod";
import { closest, describeType, isIsoDate } from "../config-util";
import { fail, dayText, field, objectOf, warn } from "../schema";
import { IANA_TO_WINDOWS, WINDOWS_TIME_ZONES } from "../windows-timezones";

export const scheduleFields = {
  autoShutdown: field({
    kind: "string",
    doc: "nightly VM shutdown, 24-hour HH:MM (quoted), or off",
    default: "19:00",
    defaultText: '"19:00"',
    nullable: true,
    example: '"19:00"',
    schema: () =>
      z.unknown().transform((value, zctx): string | null => {
        if (value === null || value === false) return null;
        if (typeof value === "string") {
          if (value.toLowerCase() === "off") return null;
          if (/^([01]\d|2[0-3]):[0-5]\d$/.test(value)) return value;
          const m = /^(\d{1,2}):?(\d{2})$/.exec(value);
          const hh = m ? Number(m[1]) : NaN;
          const mm = m ? Number(m[2]) : NaN;
          fail(zctx, "must be a 24-hour time HH:MM, or off", {
            fix: hh <= 23 && mm <= 59 ? `write autoShutdown: "${String(hh).padStart(2, "0")}:${String(mm).padStart(2, "0")}"` : 'write a 24-hour time such as "19:00", or off for no shutdown',
          });
        } else if (typeof value === "number") {
          fail(zctx, "a number, not a time: YAML 1.1 reads an unquoted 19:00 as the number 1140", { fix: 'quote it: autoShutdown: "19:00"' });
        } else fail(zctx, `expected a time "HH:MM" or off, got ${describeType(value)}`, { fix: 'write autoShutdown: "19:00"' });
        return z.NEVER;
      }),
  }),
  timeZone: field({
    kind: "string",
    doc: "Windows time zone id (W. Europe Standard Time); the VMs' clocks take it at creation, a later change moves only the shutdown schedule",
    default: "UTC",
    example: "UTC",
    schema: () =>
      z.string().transform((text, zctx) => {
        const exact = WINDOWS_TIME_ZONES.find((zone) => zone.toLowerCase() === text.toLowerCase());
        if (exact !== undefined) return exact;
        const mapped = IANA_TO_WINDOWS[text] ?? Object.entries(IANA_TO_WINDOWS).find(([k]) => k.toLowerCase() === text.toLowerCase())?.[1];
        if (mapped !== undefined || text.includes("/")) {
          fail(zctx, "is an IANA time zone; the auto-shutdown schedule takes a Windows time zone id", {
            fix: mapped !== undefined ? `use timeZone: "${mapped}"` : 'use the Windows id (tzutil /l lists them), e.g. "W. Europe Standard Time" or UTC',
          });
          return z.NEVER;
        }
        const guess = closest(text, WINDOWS_TIME_ZONES);
        fail(zctx, "is not a Windows time zone id", { fix: guess !== undefined ? `did you mean "${guess}"?` : 'use a Windows id (tzutil /l lists them), e.g. UTC, "GMT Standard Time" or "W. Europe Standard Time"' });
        return z.NEVER;
      }),
  }),
  expiresOn: field({
    kind: "string",
    doc: "ISO date (YYYY-MM-DD) after which the lab should be gone, tagged on every resource; the plan warns once it has passed",
    example: "2026-12-31",
    required: { why: "the date after which the lab should be destroyed (tagged on every resource)", fix: (key) => `pulumi config set --path '${key}' 2026-12-31` },
    schema: (ctx) =>
      dayText().superRefine((text, zctx) => {
        if (!isIsoDate(text)) return fail(zctx, "must be a real date written YYYY-MM-DD", { fix: "write expiresOn: 2026-12-31" });
        const today = ctx.options.today;
        if (today !== undefined && text < today) {
          warn(zctx, ctx, `is in the past (today is ${today}): the lab has expired`, { fix: `destroy it (pulumi destroy), or move the date: pulumi config set --path '${ctx.key("schedule.expiresOn")}' <YYYY-MM-DD>` });
        }
      }),
  }),
};

export const schedule = field({
  kind: "object",
  doc: "When the VMs stop each night and when the lab ends",
  example: '{ autoShutdown: "19:00", timeZone: UTC, expiresOn: 2026-12-31 }',
  required: {
    why: "a lab needs an end date (expiresOn), or it gets forgotten and keeps costing",
    fix: (key, ctx) => `add to ${ctx.file}: ${key}: { autoShutdown: "19:00", timeZone: UTC, expiresOn: 2026-12-31 }`,
  },
  fields: scheduleFields,
  schema: (ctx) => objectOf(scheduleFields, ctx),
});
