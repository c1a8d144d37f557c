import { z } from 'zod';

// Values rendered into asterisk-conf/ templates must not change the file's structure. Asterisk's config parser
// (main/config.c) ends a value at a newline, starts a comment at `;` (`;--` … `--;` across lines), treats `\` as an
// escape, opens a section at a line starting with `[` (a `]` inside a section name ends it early, and `](x)` would
// inherit a template), runs `#include`/`#exec` at the start of a line, and strips blanks around a value. A value
// without control characters, blanks, `;`, `\`, `[` and `]` cannot do any of that: `=`/`=>` inside a value are
// literal (only the first one on a line splits name from value), and `#` only matters at the start of a line.

/** Printable ASCII without blanks and without the characters Asterisk's config syntax gives a meaning to. */
const SAFE_VALUE = /^[\x21-\x7e]*$/;
const SPECIAL = /[;\\[\]]/;

/** Why `value` cannot be rendered into an Asterisk config file as is, or undefined when it can. */
export function asteriskValueProblem(value: string): string | undefined {
  if (/[\x00-\x1f\x7f]/.test(value)) return 'must not contain control characters (a newline would start a new line of the Asterisk config file)';
  if (/\s/.test(value)) return 'must not contain blanks (Asterisk strips them around a value)';
  if (SPECIAL.test(value)) return "must not contain ';', '\\', '[' or ']' (comment, escape and section syntax of Asterisk config files)";
  if (!SAFE_VALUE.test(value)) return 'must be printable ASCII';
  return undefined;
}

/** A secret of at least `min` characters rendered into an Asterisk config file: rejected when it could change the file. */
export function asteriskSecret(min: number) {
  return z
    .string()
    .min(min)
    .superRefine((v, ctx) => {
      const problem = asteriskValueProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}

/** A name rendered as an Asterisk section or user name (`[name]`, HTTP Basic user): letters, digits, `_`, `.`, `-`. */
export const asteriskName = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, _ . - only (it becomes an Asterisk section name)');

/** A host name or IPv4 address rendered into pjsip.conf. */
export const asteriskHost = z.string().regex(/^[A-Za-z0-9.-]+$/, 'expected a host name or IPv4 address (letters, digits, . -)');

/** An IPv4 address: a peer Asterisk admits by source address (pjsip ACL `permit`). */
export const ipv4Address = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, 'expected an IPv4 address (the peer is filtered by source address)');

/** An IPv4 address with an optional port (`a.b.c.d[:port]`): a carrier trunk, identified and filtered by source address. */
export const trunkAddress = z
  .string()
  .regex(/^(\d{1,3})(\.\d{1,3}){3}(:\d{1,5})?$/, 'expected an IPv4 address with an optional port (the trunk is identified and filtered by source address)');

/** Comma-separated IPv4 networks in CIDR notation (`10.0.0.0/8,192.168.1.0/24`), rendered as pjsip ACL `permit` lines. */
export const ipv4Networks = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}(,\d{1,3}(\.\d{1,3}){3}\/\d{1,2})*$/, 'expected comma-separated IPv4 networks, e.g. 10.0.0.0/8,192.168.0.0/16');
