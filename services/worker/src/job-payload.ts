import { z } from 'zod';
import { CtiError } from '@cti/domain';

/** Epoch milliseconds in a job payload. */
export const ms = z.number().int().nonnegative();

/**
 * A job's payload checked against its schema; anything else is CTI_ERR_VALIDATION with one line per problem
 * ("path: message"), so a bad record is reported, never stored.
 */
export function parsePayload<S extends z.ZodTypeAny>(schema: S, data: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new CtiError('CTI_ERR_VALIDATION', `invalid ${what}`, { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
  }
  return parsed.data;
}
