import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CtiError, PARTNER_LINES, type LinkagePartner, type PartnerLine, type TrunkName } from '@cti/domain';

/** One partner line of the directory: the numbers to try in order, the trunks, how long it may ring. */
export interface PartnerDirectoryEntry {
  /** A directory line, or `external` for an outside number. */
  key: LinkagePartner;
  /** Display name for agents (Chinese). */
  name: string;
  /** Numbers dialled on the trunk, first = default; the agent may pick the next one after a failure. */
  numbers: string[];
  preferredTrunk: TrunkName;
  /** Trunk tried when the preferred one fails or is down; null = none. */
  fallbackTrunk: TrunkName | null;
  ringTimeoutS: number;
}

const NAMES: Record<PartnerLine, string> = {
  '110': '公安 110',
  '119': '消防 119',
  '120': '急救 120',
  '122': '交警 122',
  water: '供水热线',
  power: '供电热线',
  gas: '燃气热线',
  heating: '供暖热线',
};

/** Built-in numbers; the utility hotlines' local numbers belong in CTI_PARTNERS_FILE. */
const DEFAULT_NUMBERS: Record<PartnerLine, string[]> = {
  '110': ['110'],
  '119': ['119'],
  '120': ['120'],
  '122': ['122'],
  water: ['96116'],
  power: ['95598'],
  gas: ['96777'],
  heating: ['96069'],
};

const entrySchema = z.object({
  name: z.string().min(1).max(40).optional(),
  numbers: z.array(z.string().regex(/^[0-9*#+]{1,32}$/, 'digits only')).min(1).max(10).optional(),
  preferredTrunk: z.enum(['primary', 'backup']).optional(),
  fallbackTrunk: z.enum(['primary', 'backup']).nullable().optional(),
  ringTimeoutS: z.number().int().min(3).max(180).optional(),
});
const fileSchema = z.partialRecord(z.enum(PARTNER_LINES), entrySchema);

/** The partner lines (docs/domain.md §4), from the defaults and an optional JSON file overriding any field of any line. */
export class PartnerDirectory {
  private constructor(private readonly lines: ReadonlyMap<string, PartnerDirectoryEntry>) {}

  /** Builds the directory; `fileText` is the JSON of CTI_PARTNERS_FILE (undefined = defaults only). Throws on invalid JSON. */
  static fromConfig(defaultRingTimeoutS: number, fileText?: string): PartnerDirectory {
    const overrides = fileText ? fileSchema.parse(JSON.parse(fileText)) : {};
    const lines = new Map<string, PartnerDirectoryEntry>();
    for (const key of PARTNER_LINES) {
      const o: z.infer<typeof entrySchema> = overrides[key] ?? {};
      lines.set(key, {
        key,
        name: o.name ?? NAMES[key],
        numbers: o.numbers ?? DEFAULT_NUMBERS[key],
        preferredTrunk: o.preferredTrunk ?? 'primary',
        fallbackTrunk: o.fallbackTrunk === undefined ? 'backup' : o.fallbackTrunk,
        ringTimeoutS: o.ringTimeoutS ?? defaultRingTimeoutS,
      });
    }
    return new PartnerDirectory(lines);
  }

  /** Reads CTI_PARTNERS_FILE when set. */
  static load(file: string, defaultRingTimeoutS: number): PartnerDirectory {
    return PartnerDirectory.fromConfig(defaultRingTimeoutS, file ? readFileSync(file, 'utf8') : undefined);
  }

  /** Every line, in directory order. */
  list(): PartnerDirectoryEntry[] {
    return [...this.lines.values()];
  }

  /** The line; CTI_ERR_VALIDATION when unknown. */
  get(key: string): PartnerDirectoryEntry {
    const line = this.lines.get(key);
    if (!line) throw new CtiError('CTI_ERR_VALIDATION', `unknown partner line ${key}`, { partner: key, known: [...this.lines.keys()] });
    return line;
  }
}
